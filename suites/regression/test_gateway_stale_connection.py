"""Regression: a healthy call right after the gateway's text/plain 500 must not fail.

The real MLflow gateway answers an unhandled upstream failure (broken JSON, no choices,
a reset) with a text/plain 500 and then closes the connection without sending
``Connection: close``. The gateway backend used to put that connection back in its pool,
so the very next call (no retries configured: the default) failed with a spurious
``ConnectionError`` in 30-70 % of tries; under concurrency another thread could pick the
connection up before it was marked. The backend now leaves such a body unread, so httpx
closes the connection instead of pooling it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.stack.upstream import Fault, Reply, last_user_text
from unified import LMRequest, Message, ServerError, UnifiedConfig
from unified._backends.gateway import GatewayBackend

REQUEST = LMRequest("m", [Message("user", "What is 2+2?")])
TRIES = 12


def backend_for(gateway_url: str) -> GatewayBackend:
    """A gateway backend with the default config (no retries anywhere)."""
    return GatewayBackend(UnifiedConfig(backend="gateway", gateway_uri=gateway_url,
                                        gateway_endpoint="chat"))


@pytest.mark.parametrize("kind", ["broken_json", "reset"])
def test_a_call_after_a_gateway_text_500_gets_a_fresh_connection(gateway, kind) -> None:
    answers = []
    with backend_for(gateway.gateway_url) as backend:
        for _ in range(TRIES):
            gateway.upstream.script(Fault(kind=kind))
            with pytest.raises(ServerError):
                backend.complete(REQUEST)
            answers.append(backend.complete(REQUEST).text)
    assert answers == ["echo: What is 2+2?"] * TRIES


def test_an_async_call_after_a_gateway_text_500_gets_a_fresh_connection(gateway) -> None:
    async def calls(backend: GatewayBackend) -> list[str]:
        answers = []
        try:
            for _ in range(TRIES):
                gateway.upstream.script(Fault(kind="broken_json"))
                with pytest.raises(ServerError):
                    await backend.acomplete(REQUEST)
                answers.append((await backend.acomplete(REQUEST)).text)
        finally:
            await backend.aclose()
        return answers

    assert asyncio.run(calls(backend_for(gateway.gateway_url))) == ["echo: What is 2+2?"] * TRIES


def test_no_thread_picks_up_a_connection_the_gateway_drops(gateway) -> None:
    gateway.upstream.responder = lambda body: (
        Fault(kind="broken_json") if "fail" in last_user_text(body) else Reply("ok"))

    def alternate(worker: int) -> list[str]:
        outcomes = []
        for i in range(TRIES):
            try:
                failing = LMRequest("m", [Message("user", f"fail {i}")])
                outcomes.append(backend.complete(failing).text)
            except ServerError:
                outcomes.append("server error")
            outcomes.append(backend.complete(REQUEST).text)
        return outcomes

    with backend_for(gateway.gateway_url) as backend, ThreadPoolExecutor(8) as pool:
        outcomes = [o for chunk in pool.map(alternate, range(8)) for o in chunk]
    assert outcomes == ["server error", "ok"] * TRIES * 8
