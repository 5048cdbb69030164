"""The legacy simple wrapper (spec section 4): gateway calls, LRU cache, circuit breaker,
budget and the MCP tool shapes."""

from __future__ import annotations

import json

import httpx
import pytest

from harness.legacy.dspy_bedrock_enhanced import estimate_cost
from harness.legacy.dspy_wrapper import (
    CircuitBreaker,
    CircuitOpenError,
    DSPyConfig,
    DSPyResult,
    DSPyWrapper,
    LRUCache,
    count_tokens,
)

DOWN = httpx.Response(503, text="down")


@pytest.fixture
def make_wrapper(sleeps, clock):
    def make(gateway, **config):
        return DSPyWrapper(DSPyConfig(**config), http_client=gateway.client(), sleep=sleeps, clock=clock)
    return make


def timed_reply(clock, reply, seconds):
    def respond(request):
        clock.advance(seconds)
        return reply(request)
    return respond


def test_a_prediction_carries_outputs_cost_and_latency(make_wrapper, fake_gateway,
                                                       gateway_dspy_reply, clock):
    gateway = fake_gateway(timed_reply(clock, gateway_dspy_reply, 0.25))
    result = make_wrapper(gateway).predict("question -> answer", question="What?")
    assert result.success and result.error is None and not result.cached
    assert result.outputs == {"answer": "answer value"}
    assert result.latency_s == 0.25 and result.cost_usd > 0


def test_predict_uses_the_gateway_wire_format_with_the_configured_route(make_wrapper, fake_gateway,
                                                                        gateway_dspy_reply):
    gateway = fake_gateway(gateway_dspy_reply)
    make_wrapper(gateway, model="claude-3-haiku", gateway_uri="http://gw.test").predict(
        "question -> answer", question="What?")
    (request,) = gateway.requests
    assert str(request.url) == "http://gw.test/gateway/claude-3-haiku/invocations"
    body = json.loads(request.content)
    assert (body["temperature"], body["max_tokens"]) == (0.7, 1000)
    assert len(body["messages"]) == 1 and body["messages"][0]["content"].startswith("System: ")


def test_the_cost_is_whitespace_tokens_priced_with_the_bedrock_table(make_wrapper, fake_gateway,
                                                                      gateway_dspy_reply):
    gateway = fake_gateway(gateway_dspy_reply)
    wrapper = make_wrapper(gateway)
    result = wrapper.predict("question -> answer", question="What?")
    prompt = json.loads(gateway.requests[0].content)["messages"][0]["content"]
    reply = gateway_dspy_reply(gateway.requests[0]).json()["choices"][0]["message"]["content"]
    expected = estimate_cost("claude-3-sonnet", count_tokens(prompt), count_tokens(reply))["total_cost"]
    assert result.cost_usd == expected and wrapper.total_cost_usd == expected


def test_a_repeated_call_is_served_from_the_cache_at_no_cost(make_wrapper, fake_gateway, gateway_dspy_reply):
    gateway = fake_gateway(default=gateway_dspy_reply)
    wrapper = make_wrapper(gateway)
    first = wrapper.predict("question -> answer", question="q")
    second = wrapper.predict("question -> answer", question="q")
    assert second.cached and second.cost_usd == 0.0 and second.outputs == first.outputs
    assert len(gateway.requests) == 1 and len(wrapper.cache) == 1


def test_the_lru_cache_evicts_the_least_recently_used_entry():
    cache = LRUCache(maxsize=2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3


def test_the_wrapper_cache_holds_cache_size_entries(make_wrapper, fake_gateway, gateway_dspy_reply):
    wrapper = make_wrapper(fake_gateway(default=gateway_dspy_reply), cache_size=2)
    for q in ("a", "b", "c"):
        wrapper.predict("question -> answer", question=q)
    assert len(wrapper.cache) == 2 and wrapper.cache.maxsize == 2


def test_a_backend_failure_comes_back_as_an_unsuccessful_result(make_wrapper, fake_gateway, sleeps):
    gateway = fake_gateway(default=DOWN)
    result = make_wrapper(gateway).predict("question -> answer", question="q")
    assert result == DSPyResult(False, {}, result.error, 0.0, False, 0.0)
    assert result.error.startswith("RuntimeError:") and "503" in result.error
    assert len(gateway.requests) == 1 and sleeps.delays == []


def test_max_retries_is_handed_to_the_gateway_as_tries_in_all(make_wrapper, fake_gateway, sleeps):
    gateway = fake_gateway(default=DOWN)
    make_wrapper(gateway, max_retries=3).predict("question -> answer", question="q")
    assert len(gateway.requests) == 3 and sleeps.delays == [1, 2]


def test_the_circuit_opens_after_threshold_consecutive_failures(make_wrapper, fake_gateway):
    wrapper = make_wrapper(fake_gateway(default=DOWN), circuit_failure_threshold=3)
    states = []
    for i in range(3):
        wrapper.predict("question -> answer", question=str(i))
        states.append(wrapper.circuit_breaker.state)
    assert states == ["closed", "closed", "open"]


def test_an_open_circuit_fails_fast_without_calling_the_gateway(make_wrapper, fake_gateway):
    gateway = fake_gateway(default=DOWN)
    wrapper = make_wrapper(gateway, circuit_failure_threshold=1)
    wrapper.predict("question -> answer", question="a")
    result = wrapper.predict("question -> answer", question="b")
    assert not result.success and result.error == "circuit_open" and len(gateway.requests) == 1


def test_the_breaker_raises_circuit_open_error_while_open(clock):
    breaker = CircuitBreaker(failure_threshold=1, reset_seconds=10, clock=clock)
    breaker.record_failure()
    with pytest.raises(CircuitOpenError):
        breaker.before_call()


def test_the_circuit_half_opens_after_reset_seconds(clock):
    breaker = CircuitBreaker(failure_threshold=1, reset_seconds=10, clock=clock)
    breaker.record_failure()
    clock.advance(9.99)
    assert breaker.state == "open"
    clock.advance(0.01)
    assert breaker.state == "half_open"
    breaker.before_call()


def test_one_success_in_half_open_closes_the_circuit(make_wrapper, fake_gateway, gateway_dspy_reply, clock):
    wrapper = make_wrapper(fake_gateway(DOWN, gateway_dspy_reply), circuit_failure_threshold=1,
                           circuit_reset_seconds=5)
    wrapper.predict("question -> answer", question="a")
    clock.advance(5)
    assert wrapper.predict("question -> answer", question="b").success
    assert wrapper.circuit_breaker.state == "closed"


def test_a_failure_in_half_open_reopens_the_circuit(clock):
    breaker = CircuitBreaker(failure_threshold=3, reset_seconds=5, clock=clock)
    for _ in range(3):
        breaker.record_failure()
    clock.advance(5)
    assert breaker.state == "half_open"
    breaker.record_failure()
    assert breaker.state == "open"


def test_a_call_that_would_exceed_the_budget_is_refused_unsent(make_wrapper, fake_gateway):
    gateway = fake_gateway()
    result = make_wrapper(gateway, budget_usd=0.0).predict("question -> answer", question="q")
    assert (result.success, result.error, result.cost_usd) == (False, "budget_exceeded", 0.0)
    assert gateway.requests == []


def test_calls_run_until_the_running_cost_exhausts_the_budget(make_wrapper, fake_gateway, gateway_dspy_reply):
    wrapper = make_wrapper(fake_gateway(default=gateway_dspy_reply), budget_usd=0.0001)
    first = wrapper.predict("question -> answer", question="a")
    second = wrapper.predict("question -> answer", question="b")
    assert first.success and second.error == "budget_exceeded"
    assert wrapper.total_cost_usd == first.cost_usd > 0.0001


def test_as_mcp_tool_describes_every_input_field_as_a_required_string(make_wrapper, fake_gateway):
    tool = make_wrapper(fake_gateway()).as_mcp_tool("ask", "question, context -> answer", "Ask it")
    assert tool == {"name": "ask", "description": "Ask it", "inputSchema": {
        "type": "object",
        "properties": {"question": {"type": "string"}, "context": {"type": "string"}},
        "required": ["question", "context"]}}


def test_an_mcp_call_returns_the_outputs_as_json_text(make_wrapper, fake_gateway, gateway_dspy_reply):
    wrapper = make_wrapper(fake_gateway(gateway_dspy_reply))
    wrapper.as_mcp_tool("ask", "question -> answer, confidence")
    result = wrapper.handle_mcp_call("ask", {"question": "q"})
    assert result == {"content": [{"type": "text", "text": json.dumps(
        {"answer": "answer value", "confidence": "confidence value"})}], "isError": False}


def test_a_failed_mcp_call_is_an_error_result(make_wrapper, fake_gateway):
    wrapper = make_wrapper(fake_gateway(default=DOWN))
    wrapper.as_mcp_tool("ask", "question -> answer")
    result = wrapper.handle_mcp_call("ask", {"question": "q"})
    assert result["isError"] is True and result["content"][0]["type"] == "text"
    assert "503" in json.loads(result["content"][0]["text"])["error"]


@pytest.mark.parametrize(("name", "arguments", "message"), [
    ("nope", {"question": "q"}, "unknown tool: nope"),
    ("ask", {}, "missing required arguments: question"),
])
def test_an_unknown_tool_or_missing_argument_is_an_error_result(make_wrapper, fake_gateway,
                                                                name, arguments, message):
    wrapper = make_wrapper(fake_gateway())
    wrapper.as_mcp_tool("ask", "question -> answer")
    assert wrapper.handle_mcp_call(name, arguments) == {
        "content": [{"type": "text", "text": json.dumps({"error": message})}], "isError": True}


def test_the_default_config_matches_the_documented_fields():
    assert DSPyConfig() == DSPyConfig(
        model="claude-3-sonnet", gateway_uri="http://localhost:5000", temperature=0.7,
        max_tokens=1000, cache_enabled=True, cache_size=128, max_retries=1,
        circuit_failure_threshold=5, circuit_reset_seconds=60.0, budget_usd=None)
