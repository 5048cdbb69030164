"""UnifiedDSPyWrapper with real DSPy programs over the mock backend."""

from __future__ import annotations

import logging
import threading

import dspy
import pytest

from unified import (
    AuthError,
    CacheConfig,
    ConfigError,
    RateLimitError,
    RetryConfig,
    ServerError,
    UnifiedConfig,
    UnifiedDSPyWrapper,
    ValidationConfig,
    ValidationError,
)


class QA(dspy.Signature):
    """Answer the question."""

    question: str = dspy.InputField()
    answer: str = dspy.OutputField()


def test_predict_runs_a_string_signature(make_wrapper) -> None:
    module = make_wrapper([{"answer": "Paris"}]).create_module("question -> answer")
    prediction = module.predict(question="Capital of France?")
    assert isinstance(prediction, dspy.Prediction) and prediction.answer == "Paris"


def test_calling_a_module_is_the_same_as_predict(make_wrapper) -> None:
    module = make_wrapper([{"answer": "x"}]).create_module(QA)
    assert module(question="q").answer == "x"


def test_chain_of_thought_returns_reasoning_and_answer(make_wrapper) -> None:
    wrapper = make_wrapper([{"reasoning": "2 and 2 make 4", "answer": "4"}])
    prediction = wrapper.create_module(QA, kind="chain_of_thought").predict(question="2+2?")
    assert (prediction.reasoning, prediction.answer) == ("2 and 2 make 4", "4")


def test_multi_field_outputs_are_parsed(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "yes", "confidence": "0.9"}])
    prediction = wrapper.create_module("question -> answer, confidence").predict(question="q")
    assert prediction.confidence == "0.9"


def test_unknown_module_kinds_are_refused(make_wrapper) -> None:
    with pytest.raises(Exception, match="unknown module kind"):
        make_wrapper().create_module(QA, kind="react")


def test_retries_use_configured_delays_and_retry_after(make_wrapper, fake_clock) -> None:
    wrapper = make_wrapper([{"answer": "ok"}],
                           errors=[ServerError("a"), RateLimitError("b", retry_after=4.5),
                                   ServerError("c")],
                           retry=RetryConfig(max_retries=3, base_delay=0.5, backoff_factor=3))
    assert wrapper.create_module(QA).predict(question="q").answer == "ok"
    assert fake_clock.sleeps == [0.5, 4.5, 4.5]
    assert wrapper.backend.call_count == 4


def test_retries_exhausted_raise_the_last_transient_error(make_wrapper, fake_clock) -> None:
    wrapper = make_wrapper([{"answer": "ok"}], errors=[ServerError("down")] * 5,
                           retry=RetryConfig(max_retries=2))
    with pytest.raises(ServerError, match="down"):
        wrapper.create_module(QA).predict(question="q")
    assert wrapper.backend.call_count == 3 and fake_clock.sleeps == [1.0, 2.0]


def test_permanent_errors_surface_unwrapped_and_are_not_retried(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "ok"}], errors=[AuthError("bad key")],
                           retry=RetryConfig())
    with pytest.raises(AuthError, match="bad key"):
        wrapper.create_module(QA).predict(question="q")
    assert wrapper.backend.call_count == 1


def test_second_identical_call_is_served_from_cache(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "a"}], cache=CacheConfig())
    module = wrapper.create_module(QA)
    module.predict(question="q")
    assert module.predict(question="q").answer == "a"
    assert wrapper.backend.call_count == 1


def test_a_changed_input_is_a_cache_miss(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "a"}], cache=CacheConfig())
    module = wrapper.create_module(QA)
    module.predict(question="q1")
    module.predict(question="q2")
    assert wrapper.backend.call_count == 2


def test_a_changed_param_is_a_cache_miss(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "a"}], cache=CacheConfig())
    wrapper.create_module(QA).predict(question="q")
    wrapper.create_module(QA, temperature=0.9).predict(question="q")
    assert wrapper.backend.call_count == 2


def test_a_different_model_or_endpoint_does_not_share_entries(tmp_path, fake_clock) -> None:
    from unified import MockBackend

    counts = []
    for model, endpoint in [("m1", "mock://a"), ("m2", "mock://a"), ("m1", "mock://b")]:
        backend = MockBackend([{"answer": "x"}], model=model, endpoint=endpoint)
        config = UnifiedConfig(backend="mock", model=model,
                               cache=CacheConfig(directory=str(tmp_path)))
        with UnifiedDSPyWrapper(config, backend=backend) as wrapper:
            wrapper.create_module(QA).predict(question="q")
        counts.append(backend.call_count)
    assert counts == [1, 1, 1]


def test_rollout_ids_bypass_a_cached_answer(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "a"}], cache=CacheConfig())
    module = wrapper.create_module(QA)
    module.predict(question="q")
    module.predict(question="q", rollout_id="second")
    assert wrapper.backend.call_count == 2


def test_validation_failures_raise_with_reason_code(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "short"}], validation=ValidationConfig(min_length=50))
    with pytest.raises(ValidationError) as info:
        wrapper.create_module(QA).predict(question="q")
    assert info.value.reason == "too_short"


def test_batch_returns_results_in_order_with_errors_captured(make_wrapper) -> None:
    def answer(request):
        text = request.last_user_text
        if "boom" in text:
            raise AuthError("item failed")
        return {"answer": text.split("]]")[1].split()[0].upper()}

    wrapper = make_wrapper(answer)
    inputs = [{"question": q} for q in ["a", "b", "boom", "d", "e", "f"]]
    results = wrapper.batch(wrapper.create_module(QA), inputs, max_workers=3)
    assert [r.answer if not isinstance(r, Exception) else "ERR" for r in results] == [
        "A", "B", "ERR", "D", "E", "F"]
    assert isinstance(results[2], AuthError)


def test_batch_never_configures_dspy_from_worker_threads(make_wrapper, monkeypatch) -> None:
    main = threading.get_ident()
    calls = []
    monkeypatch.setattr(dspy, "configure", lambda **kw: calls.append(threading.get_ident()))
    wrapper = make_wrapper([{"answer": "x"}])
    wrapper.batch(wrapper.create_module(QA), [{"question": str(i)} for i in range(4)])
    assert all(ident == main for ident in calls)


def test_batch_of_nothing_is_an_empty_list(make_wrapper) -> None:
    wrapper = make_wrapper()
    assert wrapper.batch(wrapper.create_module(QA), []) == []


def test_chain_feeds_each_modules_outputs_into_the_next(make_wrapper) -> None:
    wrapper = make_wrapper({"Capital": {"answer": "Paris"}, "Paris": {"summary": "city"}})
    first = wrapper.create_module("question -> answer")
    second = wrapper.create_module("answer -> summary")
    assert wrapper.chain(first, second)(question="Capital of France?").summary == "city"


def test_activate_sets_the_lm_for_ordinary_dspy_code(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "plain dspy"}])
    with wrapper.activate():
        assert dspy.Predict(QA)(question="q").answer == "plain dspy"


def test_a_dspy_program_with_few_shot_demos_runs_through(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "7"}])
    program = dspy.Predict(QA)
    program.demos = [dspy.Example(question="1+1?", answer="2").with_inputs("question")]
    assert wrapper.wrap_module(program).predict(question="3+4?").answer == "7"
    assert "1+1?" in str(wrapper.backend.requests[0].messages)


def test_get_info_says_which_backend_and_why_without_secrets(make_wrapper) -> None:
    info = make_wrapper(api_key="sk-very-secret", gateway_api_key="gw-secret").get_info()
    assert info["backend"]["kind"] == "mock"
    assert info["backend"]["selected_because"].startswith("injected")
    assert "sk-very-secret" not in repr(info) and "gw-secret" not in repr(info)
    assert {"version", "config", "metrics"} <= set(info)


def test_auto_without_any_backend_settings_explains_what_would_select_each() -> None:
    with pytest.raises(ConfigError) as info:
        UnifiedDSPyWrapper(UnifiedConfig())
    message = str(info.value)
    assert "MLFLOW_GATEWAY_URI" in message and "UNIFIED_ALLOW_MOCK" in message


def test_auto_selects_mock_only_when_explicitly_allowed(monkeypatch) -> None:
    monkeypatch.setenv("UNIFIED_ALLOW_MOCK", "1")
    wrapper = UnifiedDSPyWrapper(UnifiedConfig())
    assert wrapper.backend.kind == "mock"
    assert "UNIFIED_ALLOW_MOCK" in wrapper.get_info()["backend"]["selected_because"]


def test_no_config_reads_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("UNIFIED_BACKEND", "mock")
    monkeypatch.setenv("UNIFIED_MODEL", "env-model")
    wrapper = UnifiedDSPyWrapper()
    assert wrapper.config.model == "env-model" and wrapper.backend.kind == "mock"


def test_the_mock_backend_from_config_answers_any_signature() -> None:
    wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend="mock"))
    prediction = wrapper.create_module("topic -> title, body").predict(topic="t")
    assert (prediction.title, prediction.body) == ("mock title", "mock body")


def test_the_library_logs_nothing_at_info_for_a_plain_call(make_wrapper, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="unified"):
        make_wrapper([{"answer": "x"}]).create_module(QA).predict(question="q")
    assert not [r for r in caplog.records if r.name.startswith("unified")]


def test_batch_refuses_zero_workers(make_wrapper) -> None:
    wrapper = make_wrapper()
    with pytest.raises(Exception, match="max_workers"):
        wrapper.batch(wrapper.create_module(QA), [{"question": "q"}], max_workers=0)


def test_repr_names_backend_and_model(make_wrapper) -> None:
    assert "mock" in repr(make_wrapper())


def test_acall_answers_through_the_async_path(make_wrapper) -> None:
    import asyncio

    module = make_wrapper([{"answer": "Paris"}]).create_module("question -> answer")
    assert asyncio.run(module.acall(question="Capital?")).answer == "Paris"


def test_acall_surfaces_the_unified_error(make_wrapper) -> None:
    import asyncio

    from unified import AuthError

    module = make_wrapper([{"answer": "x"}], errors=[AuthError("no")]).create_module(QA)
    with pytest.raises(AuthError):
        asyncio.run(module.acall(question="q"))
