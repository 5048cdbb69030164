"""Regression: a healthy call right after the gateway's text/plain 500 must not fail.

The real MLflow gateway answers an unhandled upstream failure (broken JSON, no choices,
a reset) with a text/plain 500 and then closes the connection without sending
``Connection: close``. The gateway backend used to put that connection back in its pool,
so the very next call (no retries configured: the default) failed with a spurious
``ConnectionError`` in 30-70 % of tries. The backend now shuts such a connection down.
"""

from __future__ import annotations

import asyncio

import pytest

from harness.upstream import Fault
from unified import LMRequest, Message, ServerError, UnifiedConfig
from unified.backends.gateway import GatewayBackend

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
