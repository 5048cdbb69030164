"""The mock records every part, scripts tool calls/thinking/usage, declares capabilities."""

from __future__ import annotations

import base64

import pytest

from unified import LMRequest, Message, MockBackend, Usage
from unified._backends.base import Capabilities
from unified._backends.capabilities import ALL_FEATURES
from unified._backends.mock import MockAnswer
from unified._types import MediaPart, Reasoning, ThinkingPart, ToolCallPart, ToolSpec

IMAGE = MediaPart("image", "image/png", data=base64.b64encode(b"img").decode())


def test_a_request_is_recorded_with_every_part_and_setting() -> None:
    backend = MockBackend(["ok"])
    request = LMRequest("m", [Message("user", ["see", IMAGE])], tools=(ToolSpec("f"),),
                        reasoning=Reasoning("high"))
    backend.complete(request)
    assert backend.requests == [request]
    assert backend.requests[0].messages[0].parts[1].bytes == b"img"


def test_a_scripted_answer_gives_tool_calls_thinking_and_usage() -> None:
    backend = MockBackend([MockAnswer(text="t", thinking="hmm",
                                      tool_calls=[("search", {"q": "x"})],
                                      usage=Usage(7, 3, reasoning_tokens=2))])
    response = backend.complete(LMRequest("m", [Message("user", "q")]))
    assert response.parts == (ThinkingPart("hmm"), response.parts[1],
                              ToolCallPart("call_0", "search", {"q": "x"}))
    assert response.text == "t" and response.finish_reason == "tool_call"
    assert response.usage == Usage(7, 3, reasoning_tokens=2)


def test_a_scripted_answer_formats_output_fields() -> None:
    response = MockBackend([MockAnswer(text={"answer": "42"})]).complete(
        LMRequest("m", [Message("user", "q")]))
    assert response.text.startswith("[[ ## answer ## ]]\n42") and response.parts == ()


def test_the_mock_declares_every_capability_by_default() -> None:
    caps = MockBackend().capabilities()
    assert ALL_FEATURES <= caps.features and caps.carries("param:logprobs")


@pytest.mark.parametrize("caps", [Capabilities(), Capabilities.of({"image"})])
def test_the_mock_declares_what_it_is_told(caps: Capabilities) -> None:
    assert MockBackend(capabilities=caps).capabilities() == caps
