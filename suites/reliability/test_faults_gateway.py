"""Every fault × the gateway backend, through the real MLflow gateway and the scripted upstream.

What the gateway backend sees is decided by the real gateway's error mapping (the facts in
``harness/stack/gateway.py``): it drops ``Retry-After`` (so a 429 waits the backoff, 1 s then
2 s), answers a reset, broken JSON, a body without choices or a refused upstream with its
own text/plain 500, and an HTML page with a 502. What the real gateway never sends (its
own HTML page, a ``Retry-After`` header, a reset) is played by the scripted upstream
standing in for the gateway on its OpenAI-compatible route. Same policy as every fault
test: 2 retries, 1 s then 2 s, Retry-After honoured up to 5 s, empty answers rejected.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.stack.gateway import GatewayProcess
from harness.stack.upstream import Fault, Reply, ScriptedUpstream, closed_port
from suites.reliability.conftest import (
    BACKOFF,
    FAR_FUTURE,
    GATEWAY_KEY,
    RECOVERED,
    SLOW,
    Expect,
    Probe,
)
from unified import ConnectionError, RateLimitError, ServerError, TimeoutError, UnifiedConfig

BACKEND = "gateway"

THROUGH_THE_GATEWAY = [
    pytest.param(Fault(429, retry_after="3"), Expect.fails(RateLimitError, *BACKOFF),
                 id="429 Retry-After seconds (dropped by the gateway)"),
    pytest.param(Fault(429, retry_after=FAR_FUTURE), Expect.fails(RateLimitError, *BACKOFF),
                 id="429 Retry-After HTTP-date (dropped by the gateway)"),
    pytest.param(Fault(429), Expect.fails(RateLimitError, *BACKOFF), id="429"),
    pytest.param(Fault(500), Expect.fails(ServerError, *BACKOFF), id="500"),
    pytest.param(Fault(502), Expect.fails(ServerError, *BACKOFF), id="502"),
    pytest.param(Fault(503), Expect.fails(ServerError, *BACKOFF), id="503"),
    pytest.param(Fault(504), Expect.fails(TimeoutError, *BACKOFF), id="504"),
    pytest.param(Fault(kind="reset"), Expect.fails(ServerError, *BACKOFF),
                 id="upstream reset mid-body (gateway 500)"),
    pytest.param(Fault(kind="timeout", delay=SLOW), Expect.fails(TimeoutError, *BACKOFF),
                 id="read timeout"),
    pytest.param(Fault(kind="broken_json"), Expect.fails(ServerError, *BACKOFF),
                 id="not JSON (gateway 500)"),
    pytest.param(Fault(kind="no_choices"), Expect.fails(ServerError, *BACKOFF),
                 id="JSON without choices (gateway 500)"),
    pytest.param(Fault(kind="html", status=200), Expect.fails(ServerError, *BACKOFF),
                 id="upstream HTML page (gateway 502)"),
    pytest.param(Fault(kind="empty"), Expect.rejected(), id="empty answer"),
    pytest.param(Fault(kind="length", body="one two three four"),
                 Expect.answers("one two", "length"), id="truncated answer"),
]
FROM_THE_GATEWAY_ITSELF = [
    pytest.param(Fault(429, retry_after="3"), Expect.fails(RateLimitError, 3.0, 3.0),
                 id="gateway 429 Retry-After seconds"),
    pytest.param(Fault(429, retry_after=FAR_FUTURE), Expect.fails(RateLimitError, 5.0, 5.0),
                 id="gateway 429 Retry-After HTTP-date"),
    pytest.param(Fault(kind="html", status=200), Expect.fails(ServerError, *BACKOFF),
                 id="gateway HTML page 200"),
    pytest.param(Fault(kind="html", status=502), Expect.fails(ServerError, *BACKOFF),
                 id="gateway HTML page 502"),
    pytest.param(Fault(kind="reset"), Expect.fails(ConnectionError, *BACKOFF),
                 id="gateway reset mid-body"),
]


def gateway_config(uri: str, route: str = "endpoints") -> UnifiedConfig:
    """The gateway backend on endpoint ``chat`` at ``uri`` with the fake key."""
    return UnifiedConfig(backend="gateway", gateway_uri=uri, gateway_endpoint="chat",
                         gateway_route=route, gateway_api_key=GATEWAY_KEY)


@pytest.fixture(scope="module")
def gateway_without_upstream() -> Iterator[GatewayProcess]:
    """A second real gateway whose upstream refuses every connection."""
    with GatewayProcess(f"http://127.0.0.1:{closed_port()}/v1") as process:
        yield process


@pytest.mark.parametrize(("fault", "expect"), THROUGH_THE_GATEWAY)
def test_a_fault_on_every_attempt_ends_in_its_exact_outcome(
        gateway, probe: Probe, fault: Fault, expect: Expect) -> None:
    gateway.upstream.script(*[fault] * 3, Reply(RECOVERED))
    probe.call(gateway_config(gateway.gateway_url)).check(expect)
    assert len(gateway.upstream.chat_requests) == len(expect.attempts)


@pytest.mark.parametrize(("fault", "expect"), THROUGH_THE_GATEWAY)
def test_a_fault_that_clears_costs_exactly_one_retry(
        gateway, probe: Probe, fault: Fault, expect: Expect) -> None:
    gateway.upstream.script(fault, Reply(RECOVERED))
    probe.call(gateway_config(gateway.gateway_url), "once").check(expect.once())
    assert len(gateway.upstream.chat_requests) == len(expect.once().attempts)


@pytest.mark.parametrize(("fault", "expect"), FROM_THE_GATEWAY_ITSELF)
def test_a_fault_the_gateway_itself_sends_ends_in_its_exact_outcome(
        upstream: ScriptedUpstream, probe: Probe, fault: Fault, expect: Expect) -> None:
    upstream.script(*[fault] * 3, Reply(RECOVERED))
    probe.call(gateway_config(upstream.url, "openai")).check(expect)


@pytest.mark.parametrize(("fault", "expect"), FROM_THE_GATEWAY_ITSELF)
def test_a_fault_the_gateway_itself_sends_once_costs_exactly_one_retry(
        upstream: ScriptedUpstream, probe: Probe, fault: Fault, expect: Expect) -> None:
    upstream.script(fault, Reply(RECOVERED))
    probe.call(gateway_config(upstream.url, "openai"), "once").check(expect.once())


def test_a_refused_upstream_is_the_gateways_500_retried_then_raised(
        gateway_without_upstream: GatewayProcess, probe: Probe) -> None:
    probe.call(gateway_config(gateway_without_upstream.url)).check(
        Expect.fails(ServerError, *BACKOFF))


def test_a_gateway_that_refuses_connections_is_retried_then_raised(probe: Probe) -> None:
    probe.call(gateway_config(f"http://127.0.0.1:{closed_port()}")).check(
        Expect.fails(ConnectionError, *BACKOFF))
