"""The circuit breaker of the simple-wrapper shim (``unified.compat.DSPyWrapper``) against
the real MLflow gateway.

Failures of every kind the gateway sends (a 503, a 401, its text/plain 500 for a broken
upstream body) count towards the threshold; once open, no call reaches the gateway,
however many threads try; after the reset time one real success closes it, one failure
re-opens it for a full period; a success in between resets the count. The breaker's
clock is injected, so nothing waits.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.stack.upstream import Fault, Reply
from suites.reliability.conftest import ReliabilityReport
from unified._backends.mock import format_fields
from unified.compat.configs import DSPyConfig
from unified.compat.dspy_wrapper import CIRCUIT_OPEN, DSPyResult, DSPyWrapper

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SIGNATURE = "question -> answer"
RESET = 30.0
THREADS, CALLS_PER_THREAD = 16, 4


class Ticker:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticker() -> Ticker:
    """The breaker's clock."""
    return Ticker()


@pytest.fixture
def shim(gateway, ticker: Ticker):
    """``shim(threshold) -> DSPyWrapper`` on the real gateway's legacy route, no cache."""
    made: list[DSPyWrapper] = []
    gateway.upstream.responder = lambda body: Reply(format_fields({"answer": "4"}))

    def factory(threshold: int) -> DSPyWrapper:
        config = DSPyConfig(gateway_uri=gateway.gateway_url, model="chat", max_retries=1,
                            cache_enabled=False, circuit_failure_threshold=threshold,
                            circuit_reset_seconds=RESET)
        made.append(DSPyWrapper(config, clock=ticker, sleep=lambda seconds: None))
        return made[-1]

    yield factory
    for wrapper in made:
        wrapper.close()


def ask(wrapper: DSPyWrapper, n: int = 0) -> DSPyResult:
    """One call of the shim."""
    return wrapper.predict(SIGNATURE, question=f"What is {n}+2?")


def test_failures_of_every_kind_open_the_breaker_and_then_no_thread_reaches_the_gateway(
        gateway, shim, reliability_report: ReliabilityReport) -> None:
    gateway.upstream.script(Fault(503), Fault(401), Fault(kind="broken_json"))
    wrapper = shim(3)
    errors = [ask(wrapper, n).error for n in range(3)]
    assert [e.split(":", 1)[0] for e in errors] == ["ServerError", "AuthError", "ServerError"]
    assert wrapper.circuit_breaker.state == "open"
    with ThreadPoolExecutor(THREADS) as pool:
        refused = list(pool.map(lambda n: ask(wrapper, n),
                                range(THREADS * CALLS_PER_THREAD)))
    assert {(r.success, r.error) for r in refused} == {(False, CIRCUIT_OPEN)}
    assert len(gateway.upstream.chat_requests) == 3
    reliability_report.add("circuit_breaker", opened_after_failures=3,
                           calls_refused_while_open=len(refused), threads=THREADS,
                           refused_calls_reaching_the_gateway=0)


def test_after_the_reset_time_one_real_success_closes_the_breaker(
        gateway, shim, ticker: Ticker) -> None:
    gateway.upstream.script(Fault(503), Fault(503))
    wrapper = shim(2)
    ask(wrapper), ask(wrapper)
    ticker.now += RESET
    assert wrapper.circuit_breaker.state == "half_open"
    result = ask(wrapper)
    assert (result.success, result.outputs) == (True, {"answer": "4"})
    assert (wrapper.circuit_breaker.state, wrapper.circuit_breaker.failures) == ("closed", 0)


def test_a_failure_while_half_open_reopens_the_breaker_for_a_full_period(
        gateway, shim, ticker: Ticker) -> None:
    gateway.upstream.script(Fault(503), Fault(503), Fault(kind="reset"))
    wrapper = shim(2)
    ask(wrapper), ask(wrapper)
    ticker.now += RESET
    assert ask(wrapper).error.startswith("ServerError")
    ticker.now += RESET - 0.1
    assert ask(wrapper).error == CIRCUIT_OPEN and len(gateway.upstream.chat_requests) == 3
    ticker.now += 0.1
    assert ask(wrapper).success and wrapper.circuit_breaker.state == "closed"


def test_a_success_between_failures_resets_the_count(gateway, shim) -> None:
    gateway.upstream.script(Fault(503), Fault(503), Reply(format_fields({"answer": "4"})),
                            Fault(503), Fault(503))
    wrapper = shim(3)
    outcomes = [ask(wrapper, n).success for n in range(5)]
    assert outcomes == [False, False, True, False, False]
    assert (wrapper.circuit_breaker.state, wrapper.circuit_breaker.failures) == ("closed", 2)
