"""The legacy enhanced wrapper (spec section 1): retry, file cache, validation, metrics."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import botocore.exceptions
import dspy
import httpx
import pytest

from harness.legacy.dspy_enhanced import (
    SECURITY_FORBIDDEN_KEYWORDS,
    CacheConfig,
    DSPyEnhancedWrapper,
    RetryConfig,
    ValidationConfig,
    ValidationError,
    compliance,
    development,
    is_retryable_error,
    production,
)

METRIC_KEYS = {"enabled", "total_requests", "successful_requests", "failed_requests",
               "cache_hits", "cache_misses", "cache_hit_rate", "total_response_time",
               "average_response_time", "retry_count", "validation_failures", "success_rate",
               "last_updated", "config"}


class StatusError(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


def client_error(code: str, status: int = 400) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "InvokeModel")


def http_status_error(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://gateway.test/x")
    return httpx.HTTPStatusError("bad", request=request, response=httpx.Response(status, request=request))


@pytest.fixture
def make_wrapper(tmp_path, sleeps, clock):
    def make(lm, **kwargs):
        kwargs.setdefault("cache_config", CacheConfig(cache_dir=str(tmp_path / "cache")))
        return DSPyEnhancedWrapper(lm=lm, sleep=sleeps, now=clock.now, timer=clock, **kwargs)
    return make


def test_metrics_have_exactly_the_documented_keys_and_default_config(make_wrapper, scripted_lm):
    metrics = make_wrapper(scripted_lm()).get_metrics()
    assert set(metrics) == METRIC_KEYS
    assert metrics["config"] == {"track_response_times": True, "track_cache_metrics": True,
                                 "track_error_rates": True}
    assert metrics["enabled"] is True
    assert metrics["cache_hit_rate"] == metrics["success_rate"] == metrics["average_response_time"] == 0.0


def test_metrics_formulas_count_hits_misses_and_time_only_successes(make_wrapper, scripted_lm, clock):
    lm = scripted_lm({"answer": "4"}, StatusError(401))
    module = make_wrapper(lm).create_module("qa", "question -> answer")
    timer = iter([0.0, 2.0, 10.0, 11.0, 20.0])
    module.wrapper.timer = lambda: next(timer)
    module.predict(question="2+2")            # miss, 2 s
    module.predict(question="2+2")            # hit, 1 s
    with pytest.raises(StatusError):
        module.predict(question="other")      # miss, failure, not timed
    m = module.wrapper.get_metrics()
    assert (m["total_requests"], m["successful_requests"], m["failed_requests"]) == (3, 2, 1)
    assert (m["cache_hits"], m["cache_misses"]) == (1, 2)
    assert m["cache_hit_rate"] == pytest.approx(1 / 3)
    assert m["total_response_time"] == 3.0 and m["average_response_time"] == 1.5
    assert m["success_rate"] == pytest.approx(2 / 3)
    assert m["last_updated"] == clock.now().isoformat()


def test_cache_file_is_named_from_the_key_hash_and_holds_response_timestamp_ttl(
        make_wrapper, scripted_lm, tmp_path, clock):
    module = make_wrapper(scripted_lm({"answer": "4"}, model="m-1")).create_module(
        "qa", "question -> answer")
    module.predict(question="2+2")
    key = '{"inputs":{"question":"2+2"},"model":"m-1","signature":"question -> answer"}'
    name = f"tidydspy_{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [name]
    assert json.loads((tmp_path / "cache" / name).read_text()) == {
        "response": {"answer": "4"}, "timestamp": clock.now().isoformat(), "ttl_seconds": 3600}


def test_a_cache_hit_does_not_call_the_lm(make_wrapper, scripted_lm):
    lm = scripted_lm({"answer": "4"})
    module = make_wrapper(lm).create_module("qa", "question -> answer")
    first, second = module.predict(question="2+2"), module.predict(question="2+2")
    assert lm.calls == 1 and first.answer == second.answer == "4"


def test_a_cache_entry_expires_once_ttl_seconds_have_passed(make_wrapper, scripted_lm, tmp_path, clock):
    lm = scripted_lm({"answer": "old"}, {"answer": "new"})
    module = make_wrapper(lm, cache_config=CacheConfig(ttl=60, cache_dir=str(tmp_path))).create_module(
        "qa", "question -> answer")
    module.predict(question="q")
    clock.advance(59.9)
    assert module.predict(question="q").answer == "old"
    clock.advance(0.1)
    assert module.predict(question="q").answer == "new"


def test_a_corrupt_cache_file_is_a_miss_and_is_overwritten(make_wrapper, scripted_lm, tmp_path):
    module = make_wrapper(scripted_lm({"answer": "fresh"}, model="m")).create_module(
        "qa", "question -> answer")
    path = module.cache.path_for(module.cache.make_key("question -> answer", {"question": "q"}, "m"))
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert module.predict(question="q").answer == "fresh"
    assert json.loads(path.read_text())["response"] == {"answer": "fresh"}


def test_traversal_shaped_inputs_stay_inside_the_cache_dir(make_wrapper, scripted_lm, tmp_path):
    module = make_wrapper(scripted_lm({"answer": "a"})).create_module("qa", "question -> answer")
    module.predict(question="../../etc/passwd")
    assert [p.parent for p in tmp_path.rglob("*.json")] == [tmp_path / "cache"]


def test_clear_cache_returns_how_many_files_it_removed(make_wrapper, scripted_lm):
    wrapper = make_wrapper(scripted_lm({"answer": "a"}, {"answer": "b"}))
    module = wrapper.create_module("qa", "question -> answer")
    module.predict(question="1")
    module.predict(question="2")
    assert wrapper.clear_cache() == 2 and wrapper.clear_cache() == 0


def test_a_transient_error_is_tried_max_retries_plus_one_times_with_exponential_delays(
        make_wrapper, scripted_lm, sleeps):
    lm = scripted_lm(*[TimeoutError(f"t{i}") for i in range(4)])
    module = make_wrapper(lm).create_module("qa", "question -> answer")
    with pytest.raises(TimeoutError, match="t3"):
        module.predict(question="q")
    assert lm.calls == 4 and sleeps.delays == [1.0, 2.0, 4.0]
    assert module.wrapper.get_metrics()["retry_count"] == 3


def test_an_authentication_error_is_tried_once(make_wrapper, scripted_lm, sleeps):
    lm = scripted_lm(StatusError(401))
    module = make_wrapper(lm).create_module("qa", "question -> answer")
    with pytest.raises(StatusError):
        module.predict(question="q")
    assert lm.calls == 1 and sleeps.delays == []


def test_a_call_that_recovers_returns_the_answer(make_wrapper, scripted_lm, sleeps):
    lm = scripted_lm(ConnectionError("reset"), {"answer": "ok"})
    module = make_wrapper(lm).create_module("qa", "question -> answer")
    assert module.predict(question="q").answer == "ok" and sleeps.delays == [1.0]


def test_the_retry_delay_grows_by_the_backoff_factor_up_to_max_delay():
    config = RetryConfig(base_delay=2.0, backoff_factor=3.0, max_delay=20.0)
    assert [config.delay(k) for k in (1, 2, 3, 4)] == [2.0, 6.0, 18.0, 20.0]


@pytest.mark.parametrize("error", [
    TimeoutError(), ConnectionError(), httpx.ReadTimeout("t"), httpx.ConnectError("c"),
    StatusError(429), StatusError(500), StatusError(502), StatusError(503), StatusError(504),
    http_status_error(503), client_error("ThrottlingException"),
    client_error("ServiceUnavailableException", 503), client_error("ModelTimeoutException", 408),
    type("RateLimitError", (Exception,), {})(),
], ids=repr)
def test_transient_errors_are_classified_retryable(error):
    assert is_retryable_error(error)


@pytest.mark.parametrize("error", [
    StatusError(400), StatusError(401), StatusError(403), StatusError(404), http_status_error(401),
    client_error("ValidationException"), client_error("AccessDeniedException", 403),
    ValidationError("too_short"), ValueError("bad input"),
], ids=repr)
def test_permanent_errors_are_classified_not_retryable(error):
    assert not is_retryable_error(error)


@pytest.mark.parametrize(("config", "text", "reason"), [
    (ValidationConfig(min_length=5, max_length=1), "abc", "too_short"),
    (ValidationConfig(max_length=2, required_keywords=["zzz"]), "abc", "too_long"),
    (ValidationConfig(required_keywords=["RISK"], forbidden_keywords=["a"]), "abc", "missing_required_keywords"),
    (ValidationConfig(forbidden_keywords=["B"], custom_validators=[lambda t: False]), "abc",
     "contains_forbidden_keywords"),
    (ValidationConfig(custom_validators=[lambda t: True, lambda t: False]), "abc", "custom_validator_failed"),
    (ValidationConfig(min_length=1, required_keywords=["ABC"]), "abc", "all_validations_passed"),
])
def test_validation_checks_run_in_order_and_the_first_failure_wins(config, text, reason):
    assert config.validate(text) == (reason == "all_validations_passed", reason)


def test_a_failed_validation_raises_is_counted_and_is_not_cached(make_wrapper, scripted_lm, tmp_path):
    lm = scripted_lm({"answer": "x"}, {"answer": "x"})
    module = make_wrapper(lm, validation_config=ValidationConfig(min_length=3)).create_module(
        "qa", "question -> answer")
    for _ in range(2):
        with pytest.raises(ValidationError, match="too_short"):
            module.predict(question="q")
    m = module.wrapper.get_metrics()
    assert lm.calls == 2 and m["validation_failures"] == 2 and m["failed_requests"] == 2
    assert not list(tmp_path.rglob("*.json"))


def test_the_validated_text_joins_output_fields_by_newline_in_signature_order(make_wrapper, scripted_lm):
    seen: list[str] = []
    config = ValidationConfig(custom_validators=[lambda text: seen.append(text) or True])
    module = make_wrapper(scripted_lm({"answer": "A", "reason": "R"}),
                          validation_config=config).create_module("qa", "question -> answer, reason")
    module.predict(question="q")
    assert seen == ["A\nR"]


def test_module_configs_override_the_wrapper_configs(make_wrapper, scripted_lm, sleeps):
    lm = scripted_lm(TimeoutError(), TimeoutError())
    module = make_wrapper(lm).create_module("qa", "question -> answer",
                                            retry_config=RetryConfig(max_retries=1, base_delay=0.5))
    with pytest.raises(TimeoutError):
        module.predict(question="q")
    assert lm.calls == 2 and sleeps.delays == [0.5]


def test_process_takes_the_inputs_as_one_dict(make_wrapper, scripted_lm):
    module = make_wrapper(scripted_lm({"answer": "4"})).create_module("qa", "question -> answer")
    assert module.process({"question": "2+2"}).answer == "4"


def test_batch_process_returns_predictions_and_exceptions_in_input_order(make_wrapper, scripted_lm):
    def respond(prompt: str):
        return StatusError(400) if "bad" in prompt else {"answer": prompt.split("\n")[1].upper()}
    wrapper = make_wrapper(scripted_lm(respond=respond))
    module = wrapper.create_module("qa", "question -> answer")
    results = wrapper.batch_process(module, [{"question": q} for q in ("a", "bad", "c", "d")], max_workers=3)
    assert [r.answer if isinstance(r, dspy.Prediction) else type(r) for r in results] == [
        "A", StatusError, "C", "D"]


def test_chain_merges_each_modules_outputs_into_the_next_modules_inputs(make_wrapper, scripted_lm):
    lm = scripted_lm({"summary": "short"}, {"title": "T"})
    wrapper = make_wrapper(lm)
    summarise = wrapper.create_module("summarise", "text -> summary")
    titled = wrapper.create_module("title", "summary, text -> title")
    result = wrapper.chain(summarise, titled)(text="long text")
    assert result.title == "T"
    assert "short" in lm.history[-1]["messages"][-1]["content"]


def test_presets_carry_the_documented_settings():
    dev, prod, comp = development(), production(), compliance()
    assert dev["debug"] is True and dev["retry_config"].max_retries == 1 and dev["cache_config"].enabled
    assert prod["retry_config"].max_retries == 3 and prod["validation_config"] == ValidationConfig()
    assert comp["retry_config"].max_retries == 5
    assert comp["validation_config"].min_length == 1
    assert comp["validation_config"].forbidden_keywords == list(SECURITY_FORBIDDEN_KEYWORDS)
    assert DSPyEnhancedWrapper(**dev).debug is True


def test_the_compliance_preset_rejects_a_script_tag():
    assert compliance()["validation_config"].validate("hi <SCRIPT>x") == (
        False, "contains_forbidden_keywords")


def test_without_an_lm_the_model_id_is_default_or_the_contexts_lm(tmp_path, scripted_lm):
    module = DSPyEnhancedWrapper(cache_config=CacheConfig(cache_dir=str(tmp_path))).create_module(
        "qa", "question -> answer")
    assert module.model_id() == "default"
    with dspy.context(lm=scripted_lm({"answer": "ctx"}, model="ctx-model")):
        assert module.model_id() == "ctx-model"
        assert module.predict(question="q").answer == "ctx"


def test_the_legacy_cache_config_field_is_ttl():
    assert CacheConfig() == CacheConfig(enabled=True, ttl=3600, cache_dir=".tidydspy_cache")
    assert timedelta(seconds=CacheConfig().ttl) == timedelta(hours=1)
