"""How the layers compose: order, what is cached, what is retried, fallbacks."""

from __future__ import annotations

import pytest

from unified import (
    AuthError,
    CacheConfig,
    Clock,
    LMRequest,
    Message,
    MockBackend,
    RetryConfig,
    ServerError,
    UnifiedConfig,
    ValidationConfig,
    ValidationError,
)
from unified._errors import FallbackExceptionGroup, TransientError
from unified._pipeline import Pipeline

REQ = LMRequest("m", [Message("user", "q")])


def pipeline(*backends, sleeps=None, **config) -> Pipeline:
    sleeps = [] if sleeps is None else sleeps
    return Pipeline(list(backends), UnifiedConfig(backend="mock", **config),
                    clock=Clock(sleep=sleeps.append))


def test_a_validation_failure_is_neither_retried_nor_cached() -> None:
    backend = MockBackend(["bad", "good answer"])
    pipe = pipeline(backend, retry=RetryConfig(), cache=CacheConfig(),
                    validation=ValidationConfig(required_keywords=("good",)))
    with pytest.raises(ValidationError):
        pipe.complete(REQ)
    assert backend.call_count == 1
    assert pipe.complete(REQ).text == "good answer"
    assert pipe.complete(REQ).cache_hit


def test_a_cache_hit_costs_no_attempt() -> None:
    backend = MockBackend(["a"])
    pipe = pipeline(backend, cache=CacheConfig())
    records = []
    pipe.listeners.append(records.append)
    pipe.complete(REQ)
    pipe.complete(REQ)
    assert [len(r.attempts) for r in records] == [1, 0]


def test_permanent_errors_are_not_retried() -> None:
    backend = MockBackend(["a"], errors=[AuthError("no")])
    with pytest.raises(AuthError):
        pipeline(backend, retry=RetryConfig()).complete(REQ)
    assert backend.call_count == 1


def test_failed_calls_are_not_cached() -> None:
    backend = MockBackend(["a"], errors=[ServerError("x")])
    pipe = pipeline(backend, cache=CacheConfig())
    with pytest.raises(ServerError):
        pipe.complete(REQ)
    second = pipe.complete(REQ)
    assert second.text == "a" and not second.cache_hit
    assert backend.call_count == 2


def test_the_fallback_answers_when_the_primary_stays_down() -> None:
    primary = MockBackend(["p"], errors=[ServerError("down")] * 10, endpoint="mock://primary")
    fallback = MockBackend(["f"], endpoint="mock://fallback")
    sleeps: list[float] = []
    pipe = pipeline(primary, fallback, sleeps=sleeps, retry=RetryConfig(max_retries=2),
                    fallbacks=(UnifiedConfig(backend="mock"),))
    records = []
    pipe.listeners.append(records.append)
    assert pipe.complete(REQ).text == "f"
    assert primary.call_count == 3 and sleeps == [1.0, 2.0]
    assert records[0].fallback_used and records[0].answered_by == fallback.identity()


def test_a_fallbacks_first_try_is_not_counted_as_a_retry() -> None:
    primary = MockBackend(["p"], errors=[ServerError("down")] * 10, endpoint="mock://primary")
    pipe = pipeline(primary, MockBackend(["f"]), retry=RetryConfig(max_retries=1),
                    fallbacks=(UnifiedConfig(backend="mock"),))
    records = []
    pipe.listeners.append(records.append)
    pipe.complete(REQ)
    assert (len(records[0].attempts), records[0].retries) == (3, 1)
    assert pipe.metrics.snapshot()["retry_count"] == 1


def test_a_permanent_primary_error_does_not_fall_back() -> None:
    primary = MockBackend(["p"], errors=[AuthError("no")])
    fallback = MockBackend(["f"])
    with pytest.raises(AuthError):
        pipeline(primary, fallback, fallbacks=(UnifiedConfig(backend="mock"),)).complete(REQ)
    assert fallback.call_count == 0


def test_every_backends_failure_is_raised_as_one_group_when_all_are_down() -> None:
    primary = MockBackend(["p"], errors=[ServerError("a")])
    fallback = MockBackend(["f"], errors=[ServerError("b")])
    with pytest.raises(FallbackExceptionGroup) as caught:
        pipeline(primary, fallback, fallbacks=(UnifiedConfig(backend="mock"),)).complete(REQ)
    assert [str(e) for e in caught.value.exceptions] == ["a", "b"]
    assert isinstance(caught.value, TransientError)


def test_a_pipeline_needs_a_backend() -> None:
    with pytest.raises(ValueError):
        Pipeline([], UnifiedConfig())


async def _acomplete(pipe: Pipeline):
    return await pipe.acomplete(REQ)


def test_the_async_path_runs_the_same_layers() -> None:
    import asyncio

    backend = MockBackend(["a"])
    pipe = pipeline(backend, cache=CacheConfig())
    asyncio.run(_acomplete(pipe))
    assert asyncio.run(_acomplete(pipe)).cache_hit
