"""A DSPy LM on a custom engine keeps the whole answer as a unified backend."""

from __future__ import annotations

from typing import Any

import dspy
from dspy import lm15

from unified import LMRequest, Message
from unified._types import ThinkingPart, ToolCallPart
from unified.compat.lm_backend import DSPyLMBackend


class _Engine:
    def complete(self, request: Any) -> Any:
        return lm15.Response(id=None, model="m", finish_reason="tool_call",
                             message=lm15.Message.assistant([
                                 lm15.ThinkingPart("hmm"), lm15.TextPart("t"),
                                 lm15.ToolCallPart("c1", "search", {"q": "x"})]),
                             usage=lm15.Usage(input_tokens=3, output_tokens=2,
                                              reasoning_tokens=1))


def test_tool_calls_thinking_and_reasoning_tokens_are_kept() -> None:
    backend = DSPyLMBackend(dspy.LM("custom/m", engine=_Engine(), cache=False))
    response = backend.complete(LMRequest(model="m", messages=(Message("user", "q"),)))
    assert response.text == "t" and response.finish_reason == "tool_calls"
    assert response.thinking == [ThinkingPart("hmm")]
    assert response.tool_calls == [ToolCallPart("c1", "search", {"q": "x"})]
    assert (response.usage.input_tokens, response.usage.reasoning_tokens) == (3, 1)
