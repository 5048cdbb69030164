"""The wall side's upstream in a process of its own."""

from __future__ import annotations

import httpx

from harness.perf.upstream_process import WIRE_RESPONDER, UpstreamProcess, responder_named


def test_the_upstream_process_answers_chat_completions_on_loopback() -> None:
    upstream = UpstreamProcess().start()
    try:
        reply = httpx.post(upstream.url + "/v1/chat/completions", json={
            "model": "chat", "messages": [{"role": "user", "content": "hi"}]}, timeout=30)
    finally:
        upstream.stop()
    assert upstream.url.startswith("http://127.0.0.1:")
    assert reply.json()["choices"][0]["message"]["content"]


def test_stopping_the_upstream_process_ends_it_and_is_idempotent() -> None:
    upstream = UpstreamProcess().start()
    process = upstream._process
    upstream.stop()
    upstream.stop()
    assert process is not None and process.poll() is not None


def test_a_responder_is_named_by_module_and_function() -> None:
    from harness.perf.wire import wire_responder

    assert responder_named(WIRE_RESPONDER) is wire_responder
