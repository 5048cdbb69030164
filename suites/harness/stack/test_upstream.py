"""The scripted OpenAI-compatible upstream: replies, faults, recording, lifecycle."""

from __future__ import annotations

import json
import socket
import threading
from typing import Any

import httpx
import pytest

from harness.stack.upstream import CREATED, Fault, Reply, ScriptedUpstream, closed_port


def chat(server: ScriptedUpstream, text: str = "hello there", **extra: Any) -> httpx.Response:
    """One chat-completion request to ``server`` asking ``text``."""
    body = {"model": "test-model", "messages": [{"role": "user", "content": text}], **extra}
    return httpx.post(server.base_url + "/chat/completions", json=body, timeout=5)


def content_of(response: httpx.Response) -> str:
    return response.json()["choices"][0]["message"]["content"]


def test_default_responder_echoes_the_last_user_message(upstream: ScriptedUpstream) -> None:
    assert content_of(chat(upstream, "what is up")) == "echo: what is up"


def test_answer_is_a_deterministic_openai_chat_completion(upstream: ScriptedUpstream) -> None:
    body = {"model": "m", "messages": [{"role": "system", "content": "be brief"},
                                       {"role": "user", "content": "one two three"}]}
    first = httpx.post(upstream.base_url + "/chat/completions", json=body).json()
    second = httpx.post(upstream.base_url + "/chat/completions", json=body).json()
    assert first == {
        "id": "chatcmpl-1", "object": "chat.completion", "created": CREATED, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "echo: one two three"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}}
    assert second["id"] == "chatcmpl-2"


def test_scripted_steps_are_consumed_one_per_request_in_order(upstream: ScriptedUpstream) -> None:
    upstream.script(Reply("first"), "second")
    assert [content_of(chat(upstream)) for _ in range(3)] == ["first", "second", "echo: hello there"]
    assert upstream.pending == 0


def test_reply_sets_finish_reason_and_overrides_usage(upstream: ScriptedUpstream) -> None:
    upstream.script(Reply("x", finish_reason="content_filter", usage={"prompt_tokens": 40}))
    answer = chat(upstream).json()
    assert answer["choices"][0]["finish_reason"] == "content_filter"
    assert answer["usage"] == {"prompt_tokens": 40, "completion_tokens": 1, "total_tokens": 41}


def test_rules_answer_by_substring_of_the_last_user_message(upstream: ScriptedUpstream) -> None:
    upstream.rules({"capital of France": "Paris", "2+2": Reply("4")})
    assert content_of(chat(upstream, "What is the capital of France?")) == "Paris"
    assert content_of(chat(upstream, "2+2=?")) == "4"
    assert content_of(chat(upstream, "other")) == "echo: other"


def test_a_custom_responder_sees_the_request_json(upstream: ScriptedUpstream) -> None:
    upstream.responder = lambda request: Reply(f"{request['model']}:{len(request['messages'])}")
    assert content_of(chat(upstream)) == "test-model:1"


def test_the_script_runs_before_rules_and_responder(upstream: ScriptedUpstream) -> None:
    upstream.rules({"hello": "ruled"}).script("scripted")
    assert [content_of(chat(upstream)) for _ in range(2)] == ["scripted", "ruled"]


def test_plain_fault_sends_status_json_error_and_retry_after(upstream: ScriptedUpstream) -> None:
    upstream.script(Fault(429, retry_after="3"))
    response = chat(upstream)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json()["error"]["type"] == "rate_limit_error"


def test_fault_with_body_sends_that_body_verbatim(upstream: ScriptedUpstream) -> None:
    upstream.script(Fault(503, body='{"message": "busy"}'))
    response = chat(upstream)
    assert (response.status_code, response.json()) == (503, {"message": "busy"})


def test_reset_fault_cuts_the_connection_mid_body(upstream: ScriptedUpstream) -> None:
    upstream.script(Fault(kind="reset"))
    with pytest.raises(httpx.TransportError):
        chat(upstream)


def test_broken_json_fault_answers_200_with_invalid_json(upstream: ScriptedUpstream) -> None:
    upstream.script(Fault(kind="broken_json"))
    response = chat(upstream)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


@pytest.mark.parametrize("status", [200, 502])
def test_html_fault_answers_an_html_page_with_its_status(upstream: ScriptedUpstream, status: int) -> None:
    upstream.script(Fault(status, kind="html"))
    response = chat(upstream)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text


def test_no_choices_fault_answers_json_without_choices(upstream: ScriptedUpstream) -> None:
    upstream.script(Fault(kind="no_choices"))
    response = chat(upstream)
    assert response.status_code == 200 and "choices" not in response.json()


def test_empty_fault_answers_empty_content(upstream: ScriptedUpstream) -> None:
    upstream.script(Fault(kind="empty"))
    assert content_of(chat(upstream)) == ""


def test_length_fault_truncates_content_with_finish_reason_length(upstream: ScriptedUpstream) -> None:
    upstream.script(Fault(kind="length", body="one two three four"))
    choice = chat(upstream).json()["choices"][0]
    assert (choice["message"]["content"], choice["finish_reason"]) == ("one two", "length")


def test_timeout_fault_answers_only_after_the_delay(upstream: ScriptedUpstream) -> None:
    upstream.script(Fault(kind="timeout", delay=2.0))
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(upstream.base_url + "/chat/completions", timeout=0.2,
                   json={"messages": [{"role": "user", "content": "slow"}]})


def test_an_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault(kind="melt")


def test_stream_request_gets_sse_chunks_then_done(upstream: ScriptedUpstream) -> None:
    upstream.script("alpha beta")
    response = chat(upstream, stream=True, stream_options={"include_usage": True})
    assert response.headers["content-type"] == "text/event-stream"
    events = [line[len("data: "):] for line in response.text.splitlines() if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "alpha beta"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["completion_tokens"] == 2


def test_every_request_is_recorded_with_lowercased_headers_and_json(upstream: ScriptedUpstream) -> None:
    httpx.get(upstream.url + "/health")
    chat(upstream, "hi", temperature=0.5)
    health, call = upstream.requests
    assert (health.method, health.path, health.json) == ("GET", "/health", None)
    assert call.method == "POST" and call.path == "/v1/chat/completions"
    assert call.headers["content-type"] == "application/json"
    assert call.json["temperature"] == 0.5
    assert upstream.chat_requests == [call]


def test_health_and_models_routes_answer(upstream: ScriptedUpstream) -> None:
    assert httpx.get(upstream.url + "/health").json() == {"status": "OK"}
    assert httpx.get(upstream.base_url + "/models").json()["data"][0]["id"] == "scripted-model"


def test_unknown_path_is_a_404_and_consumes_no_step(upstream: ScriptedUpstream) -> None:
    upstream.script("kept")
    assert httpx.post(upstream.base_url + "/embeddings", json={}).status_code == 404
    assert upstream.pending == 1


def test_reset_clears_script_rules_requests_ids_and_responder(upstream: ScriptedUpstream) -> None:
    upstream.script("a").rules({"x": "y"})
    upstream.responder = lambda request: Reply("custom")
    chat(upstream)
    upstream.reset()
    assert upstream.requests == [] and upstream.pending == 0
    response = chat(upstream, "x")
    assert (response.json()["id"], content_of(response)) == ("chatcmpl-1", "echo: x")


def test_many_keep_alive_requests_on_one_connection_succeed(upstream: ScriptedUpstream) -> None:
    with httpx.Client(base_url=upstream.base_url) as client:
        for i in range(100):
            body = {"messages": [{"role": "user", "content": f"n{i}"}]}
            assert content_of(client.post("/chat/completions", json=body)) == f"echo: n{i}"
    assert len(upstream.requests) == 100


def test_concurrent_requests_are_each_recorded_once(upstream: ScriptedUpstream) -> None:
    threads = [threading.Thread(target=chat, args=(upstream, f"t{i}")) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.json["messages"][0]["content"] for r in upstream.requests) == sorted(
        f"t{i}" for i in range(16))


def test_stop_joins_its_threads_even_with_an_open_keep_alive_connection() -> None:
    before = set(threading.enumerate())
    server = ScriptedUpstream().start()
    client = httpx.Client()
    client.get(server.url + "/health")
    server.stop()
    client.close()
    assert set(threading.enumerate()) <= before


def test_stop_interrupts_a_pending_timeout_fault() -> None:
    server = ScriptedUpstream().start()
    server.script(Fault(kind="timeout", delay=30))
    outcome: list[BaseException] = []

    def send() -> None:
        try:
            chat(server)
        except httpx.HTTPError as error:
            outcome.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    while not server.requests:
        threading.Event().wait(0.01)
    server.stop()
    sender.join(timeout=5)
    assert not sender.is_alive() and isinstance(outcome[0], httpx.RemoteProtocolError)


def test_urls_point_at_the_bound_loopback_port(upstream: ScriptedUpstream) -> None:
    assert upstream.url == f"http://127.0.0.1:{upstream.port}"
    assert upstream.base_url == upstream.url + "/v1"


def test_closed_port_refuses_connections() -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", closed_port()), timeout=2)
