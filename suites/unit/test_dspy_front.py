"""The front lookup: a repeated DSPy call answered from the pipeline's memory cache
before DSPy builds a request, exactly as the whole route answers it, never stale."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import dspy

from unified import CacheConfig, MockBackend, UnifiedConfig, UnifiedDSPyWrapper, bypass_cache
from unified._config import TelemetryConfig
from unified._pipeline import Clock
from unified._scope import rollout

_VOLATILE = ("timestamp", "uuid")


def _counting() -> MockBackend:
    """A backend answering ``a0``, ``a1``, … (a new answer on every call it gets)."""
    count = itertools.count()
    return MockBackend(lambda request: {"answer": f"a{next(count)}"})


def _wrapper(backend: MockBackend, *, clock: Clock | None = None,
             telemetry: bool = False) -> UnifiedDSPyWrapper:
    config = UnifiedConfig(backend="mock", cache=CacheConfig(ttl_seconds=60),
                           telemetry=TelemetryConfig(enabled=telemetry))
    return UnifiedDSPyWrapper(config, backend=backend, clock=clock)


def _answers(wrapper: UnifiedDSPyWrapper, times: int, **kwargs: Any) -> list[str]:
    module = wrapper.create_module("question -> answer")
    return [module.predict(question="q", **kwargs).answer for _ in range(times)]


def _entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in _VOLATILE}


def _front(wrapper: UnifiedDSPyWrapper) -> Any:
    return wrapper.lm._engine_spec.front


def test_a_front_hit_returns_what_the_whole_route_returns_for_a_hit() -> None:
    backend = _counting()
    with _wrapper(backend) as wrapper:
        assert _answers(wrapper, 3) == ["a0", "a0", "a0"]
        whole_route_hit, front_hit = wrapper.lm.history[1], wrapper.lm.history[2]
        assert len(_front(wrapper)._entries) == 1
    assert backend.call_count == 1
    assert _entry(front_hit) == _entry(whole_route_hit)
    assert front_hit["usage"] == {"prompt_tokens": 0, "completion_tokens": 0,
                                  "total_tokens": 0, "prompt_tokens_details": None,
                                  "completion_tokens_details": None}


def test_a_front_hit_shares_no_mutable_output_with_the_next_one() -> None:
    with _wrapper(_counting()) as wrapper:
        _answers(wrapper, 4)
        third, fourth = wrapper.lm.history[2], wrapper.lm.history[3]
    assert third["outputs"] == fourth["outputs"] and third["outputs"] is not fourth["outputs"]
    assert third["usage"] is not fourth["usage"]


def test_metrics_count_a_front_hit_as_a_cache_hit() -> None:
    with _wrapper(_counting()) as wrapper:
        _answers(wrapper, 4)
        metrics = wrapper.pipeline.metrics.snapshot()
    assert (metrics["total_requests"], metrics["cache_hits"], metrics["cache_misses"],
            metrics["successful_requests"]) == (4, 3, 1, 4)
    assert metrics["per_backend"]["cache"]["requests"] == 3


def test_listeners_see_a_front_hit_as_they_see_a_hit() -> None:
    with _wrapper(_counting()) as wrapper:
        seen: list[Any] = []
        wrapper.pipeline.listeners.append(seen.append)
        _answers(wrapper, 3)
    assert [r.cache for r in seen] == ["miss", "hit", "hit"]
    assert seen[1].request == seen[2].request and seen[2].response.cache_hit


def _after_front_hits(then: Callable[[UnifiedDSPyWrapper], list[str]], *,
                      clock: Clock | None = None) -> tuple[list[str], int]:
    """Three calls of one question (the third a front hit), then ``then(wrapper)``:
    what ``then`` answered and how many requests the backend got in all."""
    backend = _counting()
    with _wrapper(backend, clock=clock) as wrapper:
        assert _answers(wrapper, 3) == ["a0"] * 3
        answered = then(wrapper)
    return answered, backend.call_count


def test_a_cleared_cache_is_not_answered_by_the_front() -> None:
    def cleared(wrapper: UnifiedDSPyWrapper) -> list[str]:
        wrapper.pipeline.cache.clear()
        return _answers(wrapper, 1)

    assert _after_front_hits(cleared) == (["a1"], 2)


def test_an_expired_entry_is_not_answered_by_the_front() -> None:
    now = [1000.0]

    def later(wrapper: UnifiedDSPyWrapper) -> list[str]:
        now[0] += 61
        return _answers(wrapper, 1)

    assert _after_front_hits(later, clock=Clock(wall=lambda: now[0])) == (["a1"], 2)


def test_an_answer_stored_again_under_the_key_replaces_what_the_front_serves() -> None:
    def replaced(wrapper: UnifiedDSPyWrapper) -> list[str]:
        cache = wrapper.pipeline.cache
        (key,) = list(cache.memory._data)
        stored = cache.memory.get(key)[1]
        cache.memory.set(key, cache._clock(), {**stored, "text": "[[ ## answer ## ]]\nnew"})
        return _answers(wrapper, 2)

    assert _after_front_hits(replaced) == (["new", "new"], 1)


def test_a_bypass_block_is_not_answered_by_the_front() -> None:
    def bypassed(wrapper: UnifiedDSPyWrapper) -> list[str]:
        with bypass_cache():
            return _answers(wrapper, 1)

    assert _after_front_hits(bypassed) == (["a1"], 2)


def test_a_per_call_cache_false_is_not_answered_by_the_front() -> None:
    assert _after_front_hits(lambda w: _answers(w, 1, config={"cache": False})) == (["a1"], 2)


def test_another_rollout_id_is_not_answered_from_the_front() -> None:
    backend = _counting()
    with _wrapper(backend) as wrapper:
        _answers(wrapper, 3)
        assert _answers(wrapper, 3, config={"rollout_id": 7}) == ["a1", "a1", "a1"]
    assert backend.call_count == 2


def test_a_rollout_block_is_not_answered_from_the_front_of_another_salt() -> None:
    backend = _counting()
    with _wrapper(backend) as wrapper:
        module = dspy.Predict("question -> answer")
        module.set_lm(wrapper.lm)
        answers = [module(question="q").answer for _ in range(3)]
        with rollout("r1"):
            answers += [module(question="q").answer for _ in range(3)]
    assert answers == ["a0"] * 3 + ["a1"] * 3


def test_n_candidates_are_never_answered_by_the_front() -> None:
    backend = _counting()
    with _wrapper(backend) as wrapper:
        module = wrapper.create_module("question -> answer", n=2)
        for _ in range(3):
            module.predict(question="q")
        assert _front(wrapper)._entries == {}
    assert backend.call_count == 2


def test_telemetry_keeps_every_call_on_the_whole_route() -> None:
    with _wrapper(_counting(), telemetry=True) as wrapper:
        _answers(wrapper, 3)
        assert not _front(wrapper).active


def test_an_async_call_is_answered_by_the_front_too() -> None:
    backend = _counting()
    with _wrapper(backend) as wrapper:
        module = dspy.Predict("question -> answer")
        module.set_lm(wrapper.lm)

        async def three() -> list[str]:
            return [(await module.acall(question="q")).answer for _ in range(3)]

        assert asyncio.run(three()) == ["a0", "a0", "a0"]
        assert len(wrapper.lm._async_engine_spec.front._entries) == 1
        metrics: Callable[[], dict[str, Any]] = wrapper.pipeline.metrics.snapshot
        assert metrics()["cache_hits"] == 2
    assert backend.call_count == 1
