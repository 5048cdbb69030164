"""Metrics after scripted call sequences."""

from __future__ import annotations

import pytest

from unified import (
    CacheConfig,
    LMRequest,
    Message,
    RateLimitError,
    RetryConfig,
    ServerError,
    ValidationConfig,
    ValidationError,
)
from unified._features.metrics import Metrics

LEGACY_KEYS = {"enabled", "total_requests", "successful_requests", "failed_requests",
               "cache_hits", "cache_misses", "cache_hit_rate", "total_response_time",
               "average_response_time", "retry_count", "validation_failures", "success_rate",
               "last_updated", "config"}


def test_empty_metrics_have_the_legacy_keys_and_zero_rates() -> None:
    snapshot = Metrics().snapshot()
    assert LEGACY_KEYS <= set(snapshot)
    assert snapshot["cache_hit_rate"] == 0.0 and snapshot["success_rate"] == 0.0


def test_metrics_after_a_scripted_sequence(make_wrapper, fake_clock) -> None:
    wrapper = make_wrapper(
        lambda r: {"answer": "yes" if "good" in r.last_user_text else "no"},
        errors=[RateLimitError("slow", retry_after=2), None, ServerError("x")],
        latency=0.5, retry=RetryConfig(max_retries=1), cache=CacheConfig(),
        validation=ValidationConfig(required_keywords=("yes",)))
    module = wrapper.create_module("question -> answer")
    module.predict(question="good 1")            # 429 then success: 2 attempts
    module.predict(question="good 1")            # cache hit
    with pytest.raises(ValidationError):
        module.predict(question="bad")           # answers "no": validation failure
    module.predict(question="good 2")            # ServerError then success
    m = wrapper.get_metrics()
    assert (m["total_requests"], m["successful_requests"], m["failed_requests"]) == (4, 3, 1)
    assert (m["cache_hits"], m["cache_misses"]) == (1, 3)
    assert m["cache_hit_rate"] == pytest.approx(0.25)
    assert m["retry_count"] == 2 and m["attempts"] == 5
    assert m["retry_sleep_total"] == 3.0
    assert m["validation_failures"] == 1
    assert m["success_rate"] == pytest.approx(0.75)
    assert m["errors_by_class"] == {"RateLimitError": 1, "ServerError": 1,
                                    "ValidationError": 1}
    assert m["tokens_out"] > 0 and m["tokens_in"] > 0
    assert m["per_backend"]["mock"]["requests"] == 3


def test_latency_percentiles_and_average_come_from_timed_successes(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "a"}], latency=1.0)
    module = wrapper.create_module("question -> answer")
    for i in range(4):
        module.predict(question=str(i))
    m = wrapper.get_metrics()
    assert m["average_response_time"] == pytest.approx(1.0)
    assert m["latency_p50"] == pytest.approx(1.0) and m["latency_p99"] == pytest.approx(1.0)
    assert m["total_response_time"] == pytest.approx(4.0)


def test_estimated_cost_uses_the_price_table(make_wrapper) -> None:
    from unified._features.pricing import estimate_cost

    assert estimate_cost("gpt-4o-mini", 1000, 1000) == pytest.approx(0.00075)
    assert estimate_cost("openai/gpt-4o-mini", 1000, 0) == pytest.approx(0.00015)
    assert estimate_cost("unknown-model", 10, 10) == 0.0


def test_disabled_metrics_count_nothing() -> None:
    metrics = Metrics(enabled=False)
    from unified._features.base import EMPTY_TRACE, CallRecord

    metrics.record(CallRecord(LMRequest("m", [Message("user", "q")]), EMPTY_TRACE, 0.0))
    assert metrics.snapshot()["total_requests"] == 0


def test_reset_zeroes_the_counters(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "a"}])
    wrapper.create_module("question -> answer").predict(question="q")
    wrapper.reset_metrics()
    assert wrapper.get_metrics()["total_requests"] == 0


def test_percentiles_interpolate_linearly_between_samples() -> None:
    from unified._features.metrics import _percentiles

    assert _percentiles([1.0, 2.0, 3.0, 4.0]) == pytest.approx((2.5, 3.85, 3.97))
    assert _percentiles([]) == (0.0, 0.0, 0.0) and _percentiles([2.0]) == (2.0, 2.0, 2.0)


def test_a_listener_added_after_the_pipeline_is_built_sees_calls_with_metrics_off() -> None:
    from unified import MockBackend, UnifiedConfig
    from unified._config import MetricsConfig
    from unified._pipeline import Pipeline

    pipe = Pipeline([MockBackend(["a"])], UnifiedConfig(backend="mock",
                                                        metrics=MetricsConfig(enabled=False)))
    pipe.complete(LMRequest("m", [Message("user", "q")]))
    records: list = []
    pipe.listeners.append(records.append)
    pipe.complete(LMRequest("m", [Message("user", "q2")]))
    assert [r.request.messages[0].text for r in records] == ["q2"]
    assert pipe.metrics.snapshot()["total_requests"] == 0
