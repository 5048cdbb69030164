"""The ``dspy_wrapper`` shim (spec section 4): DSPyResult, circuit breaker, budget, MCP."""

from __future__ import annotations

import json

import pytest

from unified import ConfigError, MockBackend, ServerError
from unified.compat.configs import DSPyConfig
from unified.compat.dspy_wrapper import DSPyResult, DSPyWrapper

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def make(fake_clock):
    """``make(responses, errors=(), **config_fields) -> (wrapper, backend)``."""

    def factory(responses=None, *, errors=(), **config):
        backend = MockBackend(responses, errors=errors)
        return DSPyWrapper(DSPyConfig(**config), backend=backend,
                           clock=fake_clock.as_clock()), backend

    return factory


def test_a_successful_call_returns_its_outputs(make) -> None:
    wrapper, _ = make([{"answer": "Paris"}])
    result = wrapper.predict("question -> answer", question="Capital?")
    assert isinstance(result, DSPyResult)
    assert (result.success, result.outputs, result.error, result.cached) == \
        (True, {"answer": "Paris"}, None, False)


def test_a_failed_call_is_a_result_not_an_exception(make) -> None:
    wrapper, _ = make([{"answer": "x"}], errors=[ServerError("gateway down")])
    result = wrapper.predict("question -> answer", question="q")
    assert (result.success, result.outputs) == (False, {})
    assert result.error.startswith("ServerError:") and "gateway down" in result.error


def test_a_bad_signature_still_raises(make) -> None:
    with pytest.raises(ValueError):
        make()[0].predict("no arrow here", question="q")


def test_max_retries_counts_tries_in_all_with_gateway_sleeps(make, fake_clock) -> None:
    wrapper, backend = make([{"answer": "ok"}], errors=[ServerError("x")] * 9, max_retries=3)
    assert wrapper.predict("question -> answer", question="q").success is False
    assert backend.call_count == 3 and fake_clock.sleeps == [1.0, 2.0]


def test_a_repeated_call_is_served_from_the_cache_for_free(make) -> None:
    wrapper, backend = make([{"answer": "a"}])
    first = wrapper.predict("question -> answer", question="q")
    second = wrapper.predict("question -> answer", question="q")
    assert (second.success, second.cached, second.outputs) == (True, True, first.outputs)
    assert first.cost_usd > 0 and second.cost_usd == 0 and backend.call_count == 1
    assert len(wrapper.cache) == 1


def test_the_cache_can_be_switched_off(make) -> None:
    wrapper, backend = make([{"answer": "a"}], cache_enabled=False)
    wrapper.predict("question -> answer", question="q")
    wrapper.predict("question -> answer", question="q")
    assert backend.call_count == 2 and wrapper.cache is None


def test_costs_add_up_to_the_running_total(make) -> None:
    wrapper, _ = make([{"answer": "a"}])
    costs = [wrapper.predict("question -> answer", question=q).cost_usd for q in ("a", "b")]
    assert wrapper.total_cost_usd == pytest.approx(sum(costs))


def test_latency_is_measured_with_the_injected_clock(fake_clock) -> None:
    backend = MockBackend([{"answer": "a"}], latency=0.25, sleep=fake_clock.sleep)
    wrapper = DSPyWrapper(backend=backend, clock=fake_clock.as_clock())
    assert wrapper.predict("question -> answer", question="q").latency_s == pytest.approx(0.25)


def test_the_circuit_opens_after_the_threshold_and_fails_fast(make) -> None:
    wrapper, backend = make([{"answer": "x"}], errors=[ServerError("x")] * 9,
                            circuit_failure_threshold=2)
    for question in ("a", "b"):
        wrapper.predict("question -> answer", question=question)
    result = wrapper.predict("question -> answer", question="c")
    assert (wrapper.circuit_breaker.state, result.error) == ("open", "circuit_open")
    assert backend.call_count == 2


def test_the_circuit_half_opens_after_the_reset_time_and_closes_on_success(
        make, fake_clock) -> None:
    wrapper, _ = make([{"answer": "x"}], errors=[ServerError("x")] * 2,
                      circuit_failure_threshold=2, circuit_reset_seconds=30)
    for question in ("a", "b"):
        wrapper.predict("question -> answer", question=question)
    fake_clock.advance(30)
    assert wrapper.circuit_breaker.state == "half_open"
    assert wrapper.predict("question -> answer", question="c").success
    assert wrapper.circuit_breaker.state == "closed"


def test_a_half_open_failure_reopens_the_circuit(make, fake_clock) -> None:
    wrapper, _ = make([{"answer": "x"}], errors=[ServerError("x")] * 3,
                      circuit_failure_threshold=2, circuit_reset_seconds=30)
    for question in ("a", "b"):
        wrapper.predict("question -> answer", question=question)
    fake_clock.advance(30)
    wrapper.predict("question -> answer", question="c")
    assert wrapper.circuit_breaker.state == "open"


def test_a_call_over_budget_is_refused_without_reaching_the_backend(make) -> None:
    wrapper, backend = make([{"answer": "a"}], budget_usd=0.0)
    result = wrapper.predict("question -> answer", question="a long question")
    assert (result.success, result.error, backend.call_count) == (False, "budget_exceeded", 0)


def test_a_cached_answer_is_served_even_over_budget(make) -> None:
    wrapper, backend = make([{"answer": "a"}], budget_usd=1.0)
    wrapper.predict("question -> answer", question="q")
    wrapper.total_cost_usd = 5.0
    assert wrapper.predict("question -> answer", question="q").cached
    assert wrapper.predict("question -> answer", question="other").error == "budget_exceeded"


def test_budget_refusals_do_not_trip_the_circuit(make) -> None:
    wrapper, _ = make([{"answer": "a"}], budget_usd=0.0, circuit_failure_threshold=1)
    wrapper.predict("question -> answer", question="q")
    assert wrapper.circuit_breaker.state == "closed"


def test_an_invalid_config_is_a_config_error_naming_the_field() -> None:
    with pytest.raises(ConfigError) as caught:
        DSPyWrapper({"circuit_failure_threshold": 0}, backend=MockBackend())
    assert caught.value.field == "circuit_failure_threshold"


def test_as_mcp_tool_describes_the_input_fields(make) -> None:
    tool = make()[0].as_mcp_tool("ask", "question, context -> answer", "Ask it")
    assert tool == {"name": "ask", "description": "Ask it", "inputSchema": {
        "type": "object", "properties": {"question": {"type": "string"},
                                         "context": {"type": "string"}},
        "required": ["question", "context"]}}


def test_handle_mcp_call_returns_the_outputs_as_json_text(make) -> None:
    wrapper, _ = make([{"answer": "42"}])
    wrapper.as_mcp_tool("ask", "question -> answer")
    result = wrapper.handle_mcp_call("ask", {"question": "meaning?"})
    assert result["isError"] is False and result["content"][0]["type"] == "text"
    assert json.loads(result["content"][0]["text"]) == {"answer": "42"}


def test_a_failed_mcp_call_is_an_error_result(make) -> None:
    wrapper, _ = make([{"answer": "a"}], budget_usd=0.0)
    wrapper.as_mcp_tool("ask", "question -> answer")
    result = wrapper.handle_mcp_call("ask", {"question": "q"})
    assert result["isError"] is True
    assert json.loads(result["content"][0]["text"]) == {"error": "budget_exceeded"}


def test_unknown_tools_and_missing_arguments_are_error_results(make) -> None:
    wrapper, _ = make()
    wrapper.as_mcp_tool("ask", "question -> answer")
    unknown = wrapper.handle_mcp_call("nope", {})
    missing = wrapper.handle_mcp_call("ask", {})
    assert unknown["isError"] and "unknown tool" in unknown["content"][0]["text"]
    assert missing["isError"] and "question" in missing["content"][0]["text"]


def test_the_automatic_mock_answers_the_flattened_prompt_with_parseable_fields(make) -> None:
    wrapper, _ = make(None)  # MockBackend's automatic answerer, as in the non-compat path
    result = wrapper.predict("question -> answer", question="Capital?")
    assert result.success and result.outputs == {"answer": "mock answer"}


def test_budget_and_breaker_are_layers_inside_the_cache_in_the_legacy_order(make) -> None:
    from unified._stack import layers

    wrapper, _ = make([{"answer": "a"}], budget_usd=1.0)
    names = [type(layer).__name__ for layer in layers(wrapper.unified.pipeline.stack)]
    assert names[:4] == ["Metered", "Cached", "Budgeted", "Breaker"]


def test_a_failed_call_inside_the_stack_is_counted_once_by_the_breaker(make) -> None:
    wrapper, _ = make([{"answer": "x"}], errors=[ServerError("down")] * 9,
                      circuit_failure_threshold=5)
    wrapper.predict("question -> answer", question="q")
    assert wrapper.circuit_breaker.failures == 1


def test_a_shim_call_is_counted_in_one_metrics_object(make) -> None:
    wrapper, _ = make([{"answer": "a"}])
    wrapper.predict("question -> answer", question="q")
    assert wrapper.unified.pipeline.metrics is wrapper.runtime.metrics
    assert wrapper.runtime.metrics.snapshot()["total_requests"] == 1
