"""A DSPy LM on a custom engine gets DSPy's own request unless a layer rewrote it."""

from __future__ import annotations

import dataclasses
from typing import Any

import dspy
from dspy import lm15

from unified import Message
from unified._dspy_bridge import to_lm_request
from unified.compat.lm_backend import DSPyLMBackend


class _Engine:
    def __init__(self) -> None:
        self.requests: list[Any] = []

    def complete(self, request: Any) -> Any:
        self.requests.append(request)
        return lm15.Response(id=None, model="m", finish_reason="stop",
                             message=lm15.Message.assistant([lm15.TextPart("ok")]),
                             usage=lm15.Usage(input_tokens=7, output_tokens=1))


def _dspy_request(model: str) -> Any:
    return lm15.Request(model=model, messages=(lm15.Message.user("q"),), system="sys")


def test_dspy_s_own_request_is_passed_on_to_the_engine() -> None:
    engine = _Engine()
    source = _dspy_request("custom/m")
    DSPyLMBackend(dspy.LM("custom/m", engine=engine, cache=False)).complete(
        to_lm_request(source, "custom/m"))
    assert engine.requests == [source] and engine.requests[0] is source


def test_the_request_is_addressed_to_the_lm_s_own_model() -> None:
    engine = _Engine()
    DSPyLMBackend(dspy.LM("custom/m", engine=engine, cache=False)).complete(
        to_lm_request(_dspy_request("unified/custom/m"), "custom/m"))
    assert engine.requests[0] == _dspy_request("custom/m")


def test_a_request_a_layer_rewrote_is_translated_afresh() -> None:
    engine = _Engine()
    request = to_lm_request(_dspy_request("custom/m"), "custom/m")
    rewritten = dataclasses.replace(request, messages=(Message("user", "changed"),))
    DSPyLMBackend(dspy.LM("custom/m", engine=engine, cache=False)).complete(rewritten)
    assert [m.text for m in engine.requests[0].messages] == ["changed"]


def test_a_plain_answer_keeps_the_engine_s_usage_and_response() -> None:
    engine = _Engine()
    backend = DSPyLMBackend(dspy.LM("custom/m", engine=engine, cache=False))
    response = backend.complete(to_lm_request(_dspy_request("custom/m"), "custom/m"))
    assert (response.text, response.usage.input_tokens, response.usage.output_tokens) == (
        "ok", 7, 1)
    assert response.raw.message.parts[0].text == "ok" and response.model == "custom/m"
