"""The retry layer alone: attempts, delays, Retry-After, what is not retried."""

from __future__ import annotations

import pytest

from suites.unit.features.conftest import FnBackend
from unified import (
    AuthError,
    LMRequest,
    LMResponse,
    Message,
    RateLimitError,
    RetryConfig,
    ServerError,
    ValidationError,
)
from unified._features.base import CallTrace, trace_of
from unified._features.retry import Retrying
from unified._pipeline import Clock

REQUEST = LMRequest("m", [Message("user", "q")])


def failing(*errors: BaseException) -> FnBackend:
    queue = list(errors)

    def answer(request: LMRequest) -> LMResponse:
        if queue:
            raise queue.pop(0)
        return LMResponse("ok")

    return FnBackend(answer)


def run(config: RetryConfig, *errors: BaseException, rand=lambda: 0.5
        ) -> tuple[LMResponse | Exception, list[float], CallTrace]:
    sleeps: list[float] = []
    layer = Retrying(failing(*errors), config, clock=Clock(sleep=sleeps.append), rand=rand)
    try:
        result: LMResponse | Exception = layer.complete(REQUEST)
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        result = exc
    return result, sleeps, trace_of(result)


def test_a_failing_call_is_tried_max_retries_plus_one_times() -> None:
    result, sleeps, record = run(RetryConfig(max_retries=3), *[ServerError("x")] * 10)
    assert isinstance(result, ServerError)
    assert len(record.attempts) == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_delays_are_capped_at_max_delay() -> None:
    _, sleeps, _ = run(RetryConfig(max_retries=4, base_delay=2, backoff_factor=10,
                                   max_delay=30), *[ServerError("x")] * 9)
    assert sleeps == [2, 20, 30, 30]


def test_success_after_transient_errors_returns_the_answer() -> None:
    result, sleeps, record = run(RetryConfig(), ServerError("a"), ServerError("b"))
    assert result.text == "ok"
    assert [a.error for a in record.attempts] == ["ServerError", "ServerError", None]
    assert record.retry_sleep == 3.0


def test_retry_after_is_honoured_instead_of_backoff() -> None:
    _, sleeps, _ = run(RetryConfig(), RateLimitError("slow", retry_after=7))
    assert sleeps == [7]


def test_retry_after_is_capped_at_max_retry_after() -> None:
    _, sleeps, _ = run(RetryConfig(max_retry_after=10), RateLimitError("x", retry_after=99))
    assert sleeps == [10]


def test_retry_after_is_ignored_when_told_to() -> None:
    _, sleeps, _ = run(RetryConfig(respect_retry_after=False),
                       RateLimitError("x", retry_after=99))
    assert sleeps == [1.0]


def test_rate_limit_without_retry_after_backs_off_normally() -> None:
    _, sleeps, _ = run(RetryConfig(), RateLimitError("x"), RateLimitError("y"))
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize("error", [AuthError("no"), ValidationError("too_short"),
                                   ValueError("bug")])
def test_non_transient_errors_are_not_retried(error: Exception) -> None:
    result, sleeps, record = run(RetryConfig(), error)
    assert result is error
    assert sleeps == [] and len(record.attempts) == 1


def test_jitter_adds_a_random_share_of_its_bound() -> None:
    _, sleeps, _ = run(RetryConfig(jitter=0.4), ServerError("x"), rand=lambda: 0.5)
    assert sleeps == [pytest.approx(1.2)]


def test_retry_on_limits_which_errors_are_retried() -> None:
    config = RetryConfig(retry_on=(RateLimitError,))
    result, _, record = run(config, ServerError("x"))
    assert isinstance(result, ServerError) and len(record.attempts) == 1


def test_no_config_means_a_single_attempt() -> None:
    result, _, record = run(None, ServerError("x"))  # type: ignore[arg-type]
    assert isinstance(result, ServerError) and len(record.attempts) == 1
