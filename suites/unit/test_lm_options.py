"""What DSPy does not tell a custom engine reaches the request: candidates, rollouts,
per-call cache; tools and tool calls travel natively when the backend carries them."""

from __future__ import annotations

import asyncio

import dspy

from unified import CacheConfig, MockBackend, UnifiedConfig, UnifiedDSPyWrapper
from unified._backends.mock import MockAnswer
from unified._types import CallOptions


def _wrapper(backend: MockBackend) -> UnifiedDSPyWrapper:
    return UnifiedDSPyWrapper(UnifiedConfig(backend="mock", cache=CacheConfig()), backend=backend)


def test_each_of_n_candidates_carries_its_index() -> None:
    backend = MockBackend([{"answer": "a"}])
    with _wrapper(backend) as wrapper:
        wrapper.create_module("question -> answer", n=3).predict(question="q")
    assert [r.options for r in backend.requests] == [CallOptions(None, i, 3) for i in range(3)]


def test_async_candidates_carry_their_index_too() -> None:
    backend = MockBackend([{"answer": "a"}])
    with _wrapper(backend) as wrapper:
        module = dspy.Predict("question -> answer", n=2)
        module.set_lm(wrapper.lm)
        asyncio.run(module.acall(question="q"))
    assert [r.options.candidate for r in backend.requests] == [0, 1]


def test_an_lm_copy_rollout_id_reaches_the_request() -> None:
    backend = MockBackend([{"answer": "a"}])
    with _wrapper(backend) as wrapper:
        module = dspy.Predict("question -> answer")
        module.set_lm(wrapper.lm.copy(rollout_id=5))
        module(question="q")
    assert backend.requests[0].options == CallOptions(rollout_id=5)


def test_a_per_call_rollout_id_reaches_the_request() -> None:
    backend = MockBackend([{"answer": "a"}])
    with _wrapper(backend) as wrapper:
        wrapper.create_module("question -> answer").predict(question="q",
                                                            config={"rollout_id": 2})
    assert backend.requests[0].options.rollout_id == 2


def test_a_per_call_cache_false_skips_the_cache() -> None:
    backend = MockBackend([{"answer": "a"}])
    with _wrapper(backend) as wrapper:
        module = wrapper.create_module("question -> answer")
        for _ in range(2):
            module.predict(question="q", config={"cache": False})
    assert backend.call_count == 2


def test_the_lm_still_answers_a_plain_prompt() -> None:
    with _wrapper(MockBackend(["hello"])) as wrapper:
        assert wrapper.lm("hi") == ["hello"]


class Act(dspy.Signature):
    """Pick a tool."""

    question: str = dspy.InputField()
    tools: list[dspy.Tool] = dspy.InputField()
    calls: dspy.ToolCalls = dspy.OutputField()


def weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def test_native_tool_calls_go_out_as_schemas_and_come_back_as_tool_calls() -> None:
    backend = MockBackend([MockAnswer(tool_calls=[("weather", {"city": "Paris"})])])
    with _wrapper(backend) as wrapper, dspy.context(
            adapter=dspy.ChatAdapter(use_native_function_calling=True)):
        module = wrapper.create_module(Act)
        out = module.predict(question="weather in Paris?", tools=[dspy.Tool(weather)])
    sent = backend.requests[0].tools
    assert [t.name for t in sent] == ["weather"]
    assert sent[0].parameters["properties"]["city"]["type"] == "string"
    assert [(c.name, c.args) for c in out.calls.tool_calls] == [("weather", {"city": "Paris"})]


def test_json_adapter_sends_a_response_schema_when_the_backend_maps_it() -> None:
    backend = MockBackend(['{"answer": "42"}'])
    with _wrapper(backend) as wrapper, dspy.context(adapter=dspy.JSONAdapter()):
        out = wrapper.create_module("question -> answer").predict(question="q")
    assert out.answer == "42"
    assert backend.requests[0].params["response_format"]["type"] == "json_schema"


def test_a_passthrough_backend_is_not_advertised_a_response_schema() -> None:
    from unified._backends.capabilities import Capabilities

    backend = MockBackend(['{"answer": "42"}'], capabilities=Capabilities.of((), any_param=True))
    with _wrapper(backend) as wrapper, dspy.context(adapter=dspy.JSONAdapter()):
        assert not wrapper.lm.engine.supports_response_schema
        assert "response_format" not in wrapper.lm.engine.supported_params
        wrapper.create_module("question -> answer").predict(question="q")
    assert "response_format" not in backend.requests[0].params


def test_a_module_rollout_id_reaches_the_request() -> None:
    backend = MockBackend([{"reasoning": "r", "answer": "a"}])
    with _wrapper(backend) as wrapper:
        wrapper.create_module("question -> answer", kind="chain_of_thought").predict(
            question="q", rollout_id="second")
    assert backend.requests[0].options.rollout_id == "second"
