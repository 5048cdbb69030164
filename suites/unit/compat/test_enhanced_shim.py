"""The ``dspy_enhanced`` shim (spec section 1) against the mock backend."""

from __future__ import annotations

import dspy
import pytest

from unified import (
    AuthError,
    MockBackend,
    ServerError,
    UnifiedConfig,
    UnifiedDSPyWrapper,
    UnifiedError,
    ValidationError,
)
from unified import RetryConfig as URetryConfig
from unified.compat.configs import CacheConfig, RetryConfig, ValidationConfig
from unified.compat.dspy_enhanced import (
    SECURITY_FORBIDDEN_KEYWORDS,
    DSPyEnhancedWrapper,
    compliance,
    development,
    production,
)
from unified.compat.dspy_gateway_backend import DSPyGatewayLM, configure_dspy_with_gateway

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LEGACY_KEYS = {"enabled", "total_requests", "successful_requests", "failed_requests",
               "cache_hits", "cache_misses", "cache_hit_rate", "total_response_time",
               "average_response_time", "retry_count", "validation_failures", "success_rate",
               "last_updated", "config"}


@pytest.fixture
def make(fake_clock):
    """``make(responses, errors=(), **wrapper_kwargs) -> (wrapper, backend)``."""
    made = []

    def factory(responses=None, *, errors=(), **kwargs):
        backend = MockBackend(responses, errors=errors)
        wrapper = DSPyEnhancedWrapper(backend=backend, clock=fake_clock.as_clock(), **kwargs)
        made.append(wrapper)
        return wrapper, backend

    yield factory
    for wrapper in made:
        wrapper.close()


def test_predict_returns_a_dspy_prediction(make) -> None:
    wrapper, _ = make([{"answer": "Paris"}])
    prediction = wrapper.create_module("geo", "question -> answer").predict(question="Capital?")
    assert isinstance(prediction, dspy.Prediction) and prediction.answer == "Paris"


def test_process_takes_one_dict_of_inputs(make) -> None:
    wrapper, _ = make([{"answer": "4"}])
    assert wrapper.create_module("m", "question -> answer").process({"question": "2+2"}).answer == "4"


def test_created_modules_are_registered_by_name(make) -> None:
    wrapper, _ = make()
    module = wrapper.create_module("qa", "question -> answer")
    assert wrapper.modules == {"qa": module} and module.output_fields == ["answer"]


def test_get_metrics_has_exactly_the_legacy_keys(make) -> None:
    wrapper, _ = make([{"answer": "a"}])
    wrapper.create_module("m", "question -> answer").predict(question="q")
    metrics = wrapper.get_metrics()
    assert set(metrics) == LEGACY_KEYS
    assert metrics["config"] == {"track_response_times": True, "track_cache_metrics": True,
                                 "track_error_rates": True}


def test_metrics_follow_the_legacy_formulas(make, fake_clock) -> None:
    backend_latency = MockBackend([{"answer": "a"}], latency=0.5, sleep=fake_clock.sleep)
    wrapper = DSPyEnhancedWrapper(backend=backend_latency, clock=fake_clock.as_clock(),
                                  cache_config=CacheConfig(cache_dir="c"))
    module = wrapper.create_module("m", "question -> answer")
    module.predict(question="q")
    module.predict(question="q")  # a cache hit: counted and timed (0 s here)
    metrics = wrapper.get_metrics()
    assert (metrics["total_requests"], metrics["successful_requests"],
            metrics["cache_hits"], metrics["cache_misses"]) == (2, 2, 1, 1)
    assert metrics["cache_hit_rate"] == 0.5 and metrics["success_rate"] == 1.0
    assert metrics["total_response_time"] == pytest.approx(0.5)
    assert metrics["average_response_time"] == pytest.approx(0.25)


def test_metrics_are_zero_rates_before_any_call(make) -> None:
    metrics = make()[0].get_metrics()
    assert (metrics["cache_hit_rate"], metrics["success_rate"],
            metrics["average_response_time"]) == (0.0, 0.0, 0.0)


def test_retries_wait_the_legacy_backoff_and_are_counted(make, fake_clock) -> None:
    wrapper, backend = make([{"answer": "ok"}], errors=[ServerError("x")] * 3,
                            retry_config=RetryConfig(max_retries=3, base_delay=2.0,
                                                     backoff_factor=3.0, max_delay=10.0))
    assert wrapper.create_module("m", "question -> answer").predict(question="q").answer == "ok"
    assert fake_clock.sleeps == [2.0, 6.0, 10.0] and backend.call_count == 4
    assert wrapper.get_metrics()["retry_count"] == 3


def test_a_permanently_failing_call_is_tried_max_retries_plus_one_times(make) -> None:
    wrapper, backend = make([{"answer": "ok"}], errors=[ServerError("down")] * 9)
    with pytest.raises(ServerError, match="down"):
        wrapper.create_module("m", "question -> answer").predict(question="q")
    assert backend.call_count == 4 and wrapper.get_metrics()["failed_requests"] == 1


def test_permanent_errors_are_not_retried(make) -> None:
    wrapper, backend = make([{"answer": "ok"}], errors=[AuthError("bad key")])
    with pytest.raises(AuthError):
        wrapper.create_module("m", "question -> answer").predict(question="q")
    assert backend.call_count == 1


def test_a_failed_validation_raises_its_reason_and_is_counted(make) -> None:
    wrapper, _ = make([{"answer": "tiny"}], validation_config=ValidationConfig(min_length=10))
    with pytest.raises(ValidationError) as caught:
        wrapper.create_module("m", "question -> answer").predict(question="q")
    assert caught.value.reason == "too_short"
    assert wrapper.get_metrics()["validation_failures"] == 1


def test_a_failed_validation_is_not_cached(make) -> None:
    wrapper, backend = make([{"answer": "tiny"}], validation_config=ValidationConfig(min_length=10))
    module = wrapper.create_module("m", "question -> answer")
    for _ in range(2):
        with pytest.raises(ValidationError):
            module.predict(question="q")
    assert backend.call_count == 2


def test_a_cache_hit_costs_no_backend_call(make) -> None:
    wrapper, backend = make([{"answer": "a"}])
    module = wrapper.create_module("m", "question -> answer")
    assert module.predict(question="q").answer == module.predict(question="q").answer
    assert backend.call_count == 1


def test_cache_entries_expire_after_ttl_seconds(make, fake_clock) -> None:
    wrapper, backend = make([{"answer": "a"}], cache_config=CacheConfig(ttl=30))
    module = wrapper.create_module("m", "question -> answer")
    module.predict(question="q")
    fake_clock.advance(29)
    module.predict(question="q")
    fake_clock.advance(1)
    module.predict(question="q")
    assert backend.call_count == 2


def test_a_disabled_cache_counts_no_hits_or_misses(make) -> None:
    wrapper, backend = make([{"answer": "a"}], cache_config=CacheConfig(enabled=False))
    module = wrapper.create_module("m", "question -> answer")
    module.predict(question="q")
    module.predict(question="q")
    metrics = wrapper.get_metrics()
    assert backend.call_count == 2 and (metrics["cache_hits"], metrics["cache_misses"]) == (0, 0)


def test_clear_cache_returns_how_many_entries_it_removed(make) -> None:
    wrapper, _ = make([{"answer": "a"}])
    module = wrapper.create_module("m", "question -> answer")
    module.predict(question="one")
    module.predict(question="two")
    assert wrapper.clear_cache() == 2 and wrapper.clear_cache() == 0


def test_module_configs_override_the_wrappers(make) -> None:
    wrapper, backend = make([{"answer": "ok"}], errors=[ServerError("x")] * 9)
    module = wrapper.create_module("m", "question -> answer",
                                   retry_config=RetryConfig(max_retries=0))
    with pytest.raises(ServerError):
        module.predict(question="q")
    assert backend.call_count == 1


def test_metrics_cover_every_module_of_the_wrapper(make) -> None:
    wrapper, _ = make([{"answer": "ok"}])
    wrapper.create_module("a", "question -> answer").predict(question="1")
    wrapper.create_module("b", "question -> answer",
                          retry_config=RetryConfig(max_retries=0)).predict(question="2")
    assert wrapper.get_metrics()["total_requests"] == 2


def test_batch_process_returns_predictions_and_exceptions_in_input_order(make) -> None:
    def answer(request):
        if "bad" in request.last_user_text:
            raise AuthError("refused")
        return {"answer": "fine"}

    wrapper, _ = make(answer)
    module = wrapper.create_module("m", "question -> answer")
    results = wrapper.batch_process(module, [{"question": "a"}, {"question": "bad"},
                                             {"question": "c"}], max_workers=2)
    assert [type(r).__name__ for r in results] == ["Prediction", "AuthError", "Prediction"]


def test_chain_feeds_each_modules_outputs_to_the_next(make) -> None:
    def answer(request):
        if "topic" in request.system:
            return {"summary": "about " + request.last_user_text.split("topic ## ]]\n")[1][:4]}
        return {"title": "T"}

    wrapper, backend = make(answer)
    first = wrapper.create_module("s", "topic -> summary")
    second = wrapper.create_module("t", "summary -> title")
    assert wrapper.chain(first, second)(topic="cats").title == "T"
    assert "about cats" in backend.requests[-1].last_user_text


def test_the_presets_have_the_documented_settings() -> None:
    dev, prod, comp = development(), production(), compliance()
    assert (dev["debug"], dev["retry_config"].max_retries) == (True, 1)
    assert prod["retry_config"].max_retries == 3 and prod["validation_config"].min_length is None
    assert comp["retry_config"].max_retries == 5 and comp["validation_config"].min_length == 1
    assert tuple(comp["validation_config"].forbidden_keywords) == SECURITY_FORBIDDEN_KEYWORDS


def test_the_compliance_preset_refuses_a_security_keyword(make) -> None:
    wrapper, _ = make([{"answer": "run eval(x) now"}], **compliance())
    with pytest.raises(ValidationError) as caught:
        wrapper.create_module("m", "question -> answer").predict(question="q")
    assert caught.value.reason == "contains_forbidden_keywords"


def test_an_explicit_dspy_lm_answers_the_calls() -> None:
    lm = dspy.utils.DummyLM([{"answer": "from the lm"}])
    wrapper = DSPyEnhancedWrapper(lm=lm, cache_config=CacheConfig(enabled=False))
    assert wrapper.create_module("m", "question -> answer").predict(question="q").answer == \
        "from the lm"
    assert wrapper.unified.backend.kind == "dspy-lm"


def test_a_compat_gateway_lm_lends_its_backend_without_nested_retries(fake_clock) -> None:
    backend = MockBackend([{"answer": "x"}], errors=[ServerError("down")] * 20)
    lm = DSPyGatewayLM("chat", backend=backend, clock=fake_clock.as_clock())
    wrapper = DSPyEnhancedWrapper(RetryConfig(max_retries=1), lm=lm, clock=fake_clock.as_clock())
    with pytest.raises(ServerError):
        wrapper.create_module("m", "question -> answer").predict(question="q")
    assert backend.call_count == 2 and wrapper.unified.config.gateway_endpoint == "chat"


def test_without_an_lm_the_backend_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("UNIFIED_BACKEND", "mock")
    wrapper = DSPyEnhancedWrapper()
    assert wrapper.unified.backend.kind == "mock"
    assert wrapper.create_module("m", "question -> answer").predict(question="q").answer == \
        "mock answer"


def test_chain_without_modules_is_refused(make) -> None:
    with pytest.raises(UnifiedError):
        make()[0].chain()


def test_a_module_can_have_its_own_lm(make) -> None:
    wrapper, backend = make([{"answer": "wrapper"}])
    own = wrapper.create_module("m", "question -> answer",
                                lm=dspy.utils.DummyLM([{"answer": "own"}]))
    assert own.predict(question="q").answer == "own" and backend.call_count == 0


def test_without_an_lm_the_globally_configured_gateway_lm_answers(monkeypatch) -> None:
    monkeypatch.setenv("UNIFIED_BACKEND", "mock")  # what would answer if the LM were ignored
    backend = MockBackend([{"answer": "from the gateway"}])
    try:
        configure_dspy_with_gateway("chat", backend=backend)
        wrapper = DSPyEnhancedWrapper()
        answer = wrapper.create_module("m", "question -> answer").predict(question="q").answer
    finally:
        dspy.configure(lm=None)
    assert answer == "from the gateway" and backend.call_count == 1
    assert wrapper.unified.config.gateway_endpoint == "chat"


def test_a_unified_wrappers_lm_lends_its_backend_without_nested_retries(fake_clock) -> None:
    backend = MockBackend([{"answer": "x"}], errors=[ServerError("down")] * 20)
    lm = UnifiedDSPyWrapper(UnifiedConfig(backend="mock", retry=URetryConfig(max_retries=5)),
                            backend=backend).lm
    try:
        dspy.configure(lm=lm)
        wrapper = DSPyEnhancedWrapper(RetryConfig(max_retries=1), clock=fake_clock.as_clock())
        with pytest.raises(ServerError):
            wrapper.create_module("m", "question -> answer").predict(question="q")
    finally:
        dspy.configure(lm=None)
    assert backend.call_count == 2
