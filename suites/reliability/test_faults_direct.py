"""Every fault × the direct backend: litellm against the scripted upstream on 127.0.0.1.

Each row injects one fault on every attempt (and, for transient faults, once before a
healthy answer) and pins the exact outcome: the answer or final error class, the error
of every attempt, the waits the pipeline asked for (recorded, never slept) and the
metrics. The retry policy is the suite's: 2 retries, 1 s then 2 s, Retry-After honoured
up to 5 s; validation rejects an empty answer.
"""

from __future__ import annotations

import pytest

from harness.stack.upstream import Fault, Reply, ScriptedUpstream, closed_port
from suites.reliability.conftest import (
    BACKOFF,
    DIRECT_KEY,
    FAR_FUTURE,
    RECOVERED,
    SLOW,
    Expect,
    Probe,
)
from unified import (
    ConnectionError,
    RateLimitError,
    ServerError,
    TimeoutError,
    UnifiedConfig,
)

BACKEND = "direct"

ROWS = [
    pytest.param(Fault(429, retry_after="3"), Expect.fails(RateLimitError, 3.0, 3.0),
                 id="429 Retry-After seconds"),
    pytest.param(Fault(429, retry_after=FAR_FUTURE), Expect.fails(RateLimitError, 5.0, 5.0),
                 id="429 Retry-After HTTP-date"),
    pytest.param(Fault(429), Expect.fails(RateLimitError, *BACKOFF), id="429"),
    pytest.param(Fault(500), Expect.fails(ServerError, *BACKOFF), id="500"),
    pytest.param(Fault(502), Expect.fails(ServerError, *BACKOFF), id="502"),
    pytest.param(Fault(503), Expect.fails(ServerError, *BACKOFF), id="503"),
    pytest.param(Fault(504), Expect.fails(TimeoutError, *BACKOFF), id="504"),
    pytest.param(Fault(kind="reset"), Expect.fails(ConnectionError, *BACKOFF),
                 id="reset mid-body"),
    pytest.param(Fault(kind="timeout", delay=SLOW), Expect.fails(TimeoutError, *BACKOFF),
                 id="read timeout"),
    pytest.param(Fault(kind="broken_json"), Expect.fails(ServerError, *BACKOFF),
                 id="not JSON"),
    pytest.param(Fault(kind="no_choices"), Expect.fails(ServerError, *BACKOFF),
                 id="JSON without choices"),
    pytest.param(Fault(kind="html", status=200), Expect.fails(ServerError, *BACKOFF),
                 id="HTML page 200"),
    pytest.param(Fault(kind="html", status=502), Expect.fails(ServerError, *BACKOFF),
                 id="HTML page 502"),
    pytest.param(Fault(kind="empty"), Expect.rejected(), id="empty answer"),
    pytest.param(Fault(kind="length", body="one two three four"),
                 Expect.answers("one two", "length"), id="truncated answer"),
]


def direct_config(api_base: str) -> UnifiedConfig:
    """The direct backend for ``openai/gpt-4o-mini`` at ``api_base`` with the fake key."""
    return UnifiedConfig(backend="direct", model="openai/gpt-4o-mini", api_base=api_base,
                         api_key=DIRECT_KEY)


@pytest.mark.parametrize(("fault", "expect"), ROWS)
def test_a_fault_on_every_attempt_ends_in_its_exact_outcome(
        upstream: ScriptedUpstream, probe: Probe, fault: Fault, expect: Expect) -> None:
    upstream.script(*[fault] * 3, Reply(RECOVERED))
    probe.call(direct_config(upstream.base_url)).check(expect)
    assert len(upstream.chat_requests) == len(expect.attempts)


@pytest.mark.parametrize(("fault", "expect"), ROWS)
def test_a_fault_that_clears_costs_exactly_one_retry(
        upstream: ScriptedUpstream, probe: Probe, fault: Fault, expect: Expect) -> None:
    upstream.script(fault, Reply(RECOVERED))
    probe.call(direct_config(upstream.base_url), "once").check(expect.once())
    assert len(upstream.chat_requests) == len(expect.once().attempts)


def test_a_refused_connection_is_retried_then_raised(probe: Probe) -> None:
    config = direct_config(f"http://127.0.0.1:{closed_port()}/v1")
    probe.call(config).check(Expect.fails(ConnectionError, *BACKOFF))
