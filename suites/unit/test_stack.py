"""The stack: one function states the layer order; what a call learns travels with it."""

from __future__ import annotations

import asyncio
import threading

import pytest

from unified._backends.mock import MockBackend
from unified._clock import Clock
from unified._config import CacheConfig, RetryConfig, UnifiedConfig, ValidationConfig
from unified._errors import ServerError
from unified._features.base import Layer, trace_of
from unified._features.metrics import Metrics
from unified._stack import build_stack, layers
from unified._types import LMRequest, Message

REQ = LMRequest("m", [Message("user", "q")])


def names(stack) -> list[str]:
    return [type(layer).__name__ for layer in layers(stack)]


def stack_of(*backends, guards=(), sleeps=None, **config):
    sleeps = [] if sleeps is None else sleeps
    return build_stack(list(backends), UnifiedConfig(backend="mock", **config),
                       Clock(sleep=sleeps.append), metrics=Metrics(), guards=guards)


def test_the_full_order_reads_metered_cached_validated_fallback() -> None:
    stack = stack_of(MockBackend(["a"]), MockBackend(["b"]), cache=CacheConfig(),
                     validation=ValidationConfig(min_length=1),
                     fallbacks=(UnifiedConfig(backend="mock"),))
    assert names(stack) == ["Metered", "Cached", "Validated", "Fallback", "Checked",
                            "Retrying", "MockBackend"]


def test_a_plain_config_has_only_the_layers_it_needs() -> None:
    assert names(stack_of(MockBackend(["a"]))) == ["Metered", "Checked", "Retrying",
                                                   "MockBackend"]


class Tagged(Layer):
    """A layer that only passes calls through (a stand-in for any new layer)."""

    def complete(self, request):
        return self.inner.complete(request)

    async def acomplete(self, request):
        return await self.inner.acomplete(request)


def test_guards_sit_inside_the_cache_outermost_first() -> None:
    class Outer(Tagged):
        pass

    stack = stack_of(MockBackend(["a"]), cache=CacheConfig(), guards=(Outer, Tagged))
    assert names(stack)[:4] == ["Metered", "Cached", "Outer", "Tagged"]


def test_the_response_carries_its_attempts_waits_and_answering_backend() -> None:
    backend = MockBackend(["a"], errors=[ServerError("x")])
    response = stack_of(backend, retry=RetryConfig(max_retries=2)).complete(REQ)
    trace = response.trace
    assert [a.error for a in trace.attempts] == ["ServerError", None]
    assert trace.retry_sleep == 1.0 and trace.answered_by == backend.identity()


def test_the_error_carries_the_trace_of_the_call_it_ended() -> None:
    backend = MockBackend(["a"], errors=[ServerError("x")] * 5)
    with pytest.raises(ServerError) as caught:
        stack_of(backend, retry=RetryConfig(max_retries=1), cache=CacheConfig()).complete(REQ)
    trace = trace_of(caught.value)
    assert [a.error for a in trace.attempts] == ["ServerError"] * 2 and trace.cache == "miss"


def test_a_hit_is_traced_as_a_hit_with_no_attempt() -> None:
    stack = stack_of(MockBackend(["a"]), cache=CacheConfig())
    stack.complete(REQ)
    hit = stack.complete(REQ)
    assert hit.trace.cache == "hit" and hit.trace.attempts == ()


def test_a_trace_cannot_be_changed() -> None:
    trace = stack_of(MockBackend(["a"])).complete(REQ).trace
    with pytest.raises(AttributeError):
        trace.cache = "hit"  # type: ignore[misc]


def test_the_async_path_starts_no_thread() -> None:
    seen: list[int] = []

    async def main():
        stack = stack_of(AsyncMock(["a"], errors=[ServerError("x")]),
                         retry=RetryConfig(max_retries=1), cache=CacheConfig())
        before = threading.active_count()
        first = await stack.acomplete(REQ)
        second = await stack.acomplete(REQ)
        seen.append(threading.active_count() - before)
        return first, second

    first, second = asyncio.run(main())
    assert seen == [0] and len(first.trace.attempts) == 2 and second.trace.cache == "hit"


class AsyncMock(MockBackend):
    """The mock answering on the async path without a worker thread."""

    async def acomplete(self, request):
        return self.complete(request)


def test_the_async_fallback_joins_the_traces_of_every_backend_tried() -> None:
    primary = AsyncMock(["p"], errors=[ServerError("down")] * 5, endpoint="mock://primary")
    fallback = AsyncMock(["f"], endpoint="mock://fallback")
    stack = stack_of(primary, fallback, retry=RetryConfig(max_retries=1),
                     fallbacks=(UnifiedConfig(backend="mock"),))
    trace = asyncio.run(stack.acomplete(REQ)).trace
    assert [a.error for a in trace.attempts] == ["ServerError", "ServerError", None]
    assert trace.fallback_used and trace.answered_by == fallback.identity()


def test_the_async_fallback_raises_the_group_when_all_are_down() -> None:
    from unified._errors import FallbackExceptionGroup

    stack = stack_of(AsyncMock(["p"], errors=[ServerError("a")]),
                     AsyncMock(["f"], errors=[ServerError("b")]),
                     fallbacks=(UnifiedConfig(backend="mock"),))
    with pytest.raises(FallbackExceptionGroup) as caught:
        asyncio.run(stack.acomplete(REQ))
    assert len(caught.value.exceptions) == 2 and trace_of(caught.value).fallback_used


def test_the_async_path_validates_and_names_the_reason() -> None:
    from unified import ValidationError

    stack = stack_of(AsyncMock(["short"]), validation=ValidationConfig(min_length=10))
    with pytest.raises(ValidationError) as caught:
        asyncio.run(stack.acomplete(REQ))
    assert trace_of(caught.value).validation == "too_short"


def test_the_real_wait_of_the_async_path_is_awaited(monkeypatch) -> None:
    import unified._clock as clock_module

    awaited: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        awaited.append(seconds)

    monkeypatch.setattr(clock_module.asyncio, "sleep", fake_sleep)
    asyncio.run(Clock().asleep(1.5))
    assert awaited == [1.5]


def test_a_trace_step_remembers_only_the_trace_it_was_given_last() -> None:
    from unified._features.base import CallTrace, TraceStep

    step, first, second = TraceStep(), CallTrace(retry_sleep=1.0), CallTrace(retry_sleep=2.0)
    add = CallTrace.with_cache
    assert step.apply(first, "miss", add) is step.apply(first, "miss", add)
    assert step.apply(second, "miss", add).retry_sleep == 2.0
    assert step.apply(second, "bypass", add).cache == "bypass"
