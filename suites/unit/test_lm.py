"""The DSPy engine: request/response translation and the dspy.LM it builds."""

from __future__ import annotations

import asyncio

import dspy
from dspy.lm15 import Config, Request
from dspy.lm15 import Message as DMessage

from unified import LMResponse, MockBackend, UnifiedConfig, Usage
from unified._lm import LM_PREFIX, build_dspy_lm, to_dspy_response, to_lm_request
from unified._pipeline import Pipeline


def test_dspy_requests_become_canonical_requests() -> None:
    request = Request(model="x", system="sys", messages=(DMessage.user("hi"),),
                      config=Config(temperature=0.3, max_tokens=7, stop=("END",)))
    lm_request = to_lm_request(request, "my-model")
    assert lm_request.model == "my-model" and lm_request.system == "sys"
    assert lm_request.messages[0].content == "hi"
    assert lm_request.params == {"temperature": 0.3, "max_tokens": 7, "stop": ["END"]}


def test_responses_carry_text_finish_reason_and_usage() -> None:
    response = to_dspy_response(LMResponse("t", "max_tokens", Usage(2, 3), model="m"))
    assert response.message.text == "t" and response.finish_reason == "length"
    assert (response.usage.input_tokens, response.usage.output_tokens,
            response.usage.total_tokens) == (2, 3, 5)


def test_the_lm_routes_calls_through_the_pipeline_and_reports_usage() -> None:
    backend = MockBackend(["four"])
    lm = build_dspy_lm(Pipeline([backend], UnifiedConfig(backend="mock")), "m",
                       temperature=0.0)
    assert lm.model == LM_PREFIX + "m"
    assert lm("2+2?") == ["four"]
    assert backend.requests[0].params["temperature"] == 0.0
    assert lm.history[-1]["usage"]["completion_tokens"] == 1


def test_the_lm_has_dspys_own_cache_and_retries_off() -> None:
    lm = build_dspy_lm(Pipeline([MockBackend(["x"])], UnifiedConfig(backend="mock")), "m")
    assert lm.cache is False and lm.num_retries == 0


def test_the_async_engine_answers_through_the_pipeline() -> None:
    backend = MockBackend([{"answer": "async"}])
    lm = build_dspy_lm(Pipeline([backend], UnifiedConfig(backend="mock")), "m")
    program = dspy.Predict("question -> answer")

    async def run():
        with dspy.context(lm=lm):
            return await program.acall(question="q")

    assert asyncio.run(run()).answer == "async"
