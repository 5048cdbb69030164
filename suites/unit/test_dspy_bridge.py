"""The DSPy bridge: lm15 -> canonical -> lm15 is the identity for every part and setting."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from dspy import lm15

from unified._backends.capabilities import Capabilities
from unified._dspy_bridge import (
    from_dspy_response,
    to_dspy_response,
    to_lm15_request,
    to_lm_request,
)
from unified._lm import UnifiedEngine
from unified._types import LMResponse, MediaPart, TextPart, ToolCallPart

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake-image-bytes").decode()
PDF = base64.b64encode(b"%PDF-1.4 fake document").decode()
STATE = lm15.ContinuationState("openai", "reasoning_item", {"id": "rs_1", "enc": "xyz"})


def _round_trip(request: lm15.Request) -> lm15.Request:
    return to_lm15_request(to_lm_request(request, request.model))


PARTS = {
    "text": lm15.TextPart("hello", continuation=(STATE,)),
    "image data": lm15.ImagePart(media_type="image/png", data=PNG, detail="high"),
    "image url": lm15.ImagePart(url="https://example.com/a.png"),
    "image data uri": lm15.ImagePart(data=f"data:image/png;base64,{PNG}"),
    "image path": lm15.ImagePart(path=Path("/tmp/some.png")),
    "audio": lm15.AudioPart(media_type="audio/wav", data=PNG),
    "video": lm15.VideoPart(file_id="file-123"),
    "document": lm15.DocumentPart(media_type="application/pdf", data=PDF),
    "binary": lm15.BinaryPart(url="https://example.com/blob"),
    "data": lm15.DataPart({"k": [1, 2]}),
}


@pytest.mark.parametrize("name", sorted(PARTS))
def test_a_user_part_survives_the_round_trip(name: str) -> None:
    request = lm15.Request(model="m", messages=(lm15.Message.user(["look:", PARTS[name]]),))
    assert _round_trip(request) == request


ASSISTANT_PARTS = {
    "tool call": lm15.ToolCallPart("call_1", "search", {"q": "x", "n": 2}),
    "thinking": lm15.ThinkingPart("let me think", continuation=(STATE,)),
    "hidden thinking": lm15.ThinkingPart("", continuation=(STATE,)),
    "refusal": lm15.RefusalPart("no"),
    "citation": lm15.CitationPart(url="https://a", title="A", text="quote"),
    "judgment": lm15.DataPart({"label": "yes"}, probabilities={"label": {"yes": 0.9, "no": 0.1}},
                              method="provider_classification"),
}


@pytest.mark.parametrize("name", sorted(ASSISTANT_PARTS))
def test_an_assistant_part_survives_the_round_trip(name: str) -> None:
    request = lm15.Request(model="m", messages=(
        lm15.Message.user("hi"), lm15.Message.assistant([ASSISTANT_PARTS[name]]),
        lm15.Message.user("go on")))
    assert _round_trip(request) == request


def test_a_tool_result_with_mixed_content_survives_the_round_trip() -> None:
    result = lm15.ToolResultPart("call_1", (lm15.TextPart("found"), PARTS["image data"]),
                                 name="search", is_error=True)
    request = lm15.Request(model="m", messages=(
        lm15.Message.user("hi"),
        lm15.Message.assistant([lm15.ToolCallPart("call_1", "search", {"q": "x"})]),
        lm15.Message("tool", (result,)), ))
    assert _round_trip(request) == request


def test_a_message_continuation_survives_the_round_trip() -> None:
    message = lm15.Message("assistant", (lm15.TextPart("a"),), continuation=(STATE,))
    request = lm15.Request(model="m", messages=(lm15.Message.user("q"), message))
    assert _round_trip(request) == request


def test_system_parts_tools_and_every_config_field_survive_the_round_trip() -> None:
    config = lm15.Config(
        max_tokens=10, temperature=0.3, top_p=0.9, top_k=5, stop=("END", "STOP"),
        response_format={"type": "json_schema", "schema": {"type": "object"}, "name": "out",
                         "strict": True},
        tool_choice=lm15.ToolChoice("required", ("search",), parallel=False),
        reasoning=lm15.Reasoning("high", thinking_budget=1024, summary="auto"),
        cache=lm15.CacheConfig(mode="auto", retention="long", key="k", prefix="stable"),
        seed=7, frequency_penalty=0.5, presence_penalty=-0.5, service_tier="flex",
        user_id="u1", store=False, logprobs=3, probabilities="if_available",
        extensions={"logit_bias": {"1": 2}, "custom": "x"})
    tools = (lm15.FunctionTool("search", "Search the web",
                               {"type": "object", "properties": {"q": {"type": "string"}},
                                "required": ["q"]}),
             lm15.BuiltinTool("web_search", {"max_uses": 2}))
    request = lm15.Request(model="m", system=(lm15.TextPart("be brief"), PARTS["image url"]),
                           messages=(lm15.Message.user("hi"),), tools=tools, config=config)
    assert _round_trip(request) == request


def test_a_string_system_prompt_stays_a_string() -> None:
    request = lm15.Request(model="m", system="be brief", messages=(lm15.Message.user("hi"),))
    assert to_lm_request(request, "m").system == "be brief"
    assert _round_trip(request) == request


def test_an_image_input_keeps_its_bytes_and_the_text_around_it() -> None:
    request = lm15.Request(model="m", messages=(lm15.Message.user(
        ["[[ ## image ## ]]\n", PARTS["image data"], "\n\nRespond."]),))
    message = to_lm_request(request, "m").messages[0]
    image = message.parts[1]
    assert isinstance(image, MediaPart) and image.bytes == base64.b64decode(PNG)
    assert message.text == "[[ ## image ## ]]\n\n\n\nRespond."


def test_a_response_with_every_part_survives_the_round_trip() -> None:
    response = lm15.Response(
        id="resp_1", model="m", finish_reason="tool_call",
        message=lm15.Message.assistant([ASSISTANT_PARTS["thinking"], lm15.TextPart("answer"),
                                        ASSISTANT_PARTS["tool call"],
                                        ASSISTANT_PARTS["citation"],
                                        ASSISTANT_PARTS["refusal"]]),
        usage=lm15.Usage(input_tokens=10, output_tokens=5, cache_read_tokens=4,
                         cache_write_tokens=1, reasoning_tokens=3, input_audio_tokens=2,
                         output_audio_tokens=1),
        logprobs=(lm15.TokenLogprob("a", -0.1, (97,), None,
                                    (lm15.TopLogprob("b", -2.0, None, 7),)),))
    assert to_dspy_response(_as_cached(from_dspy_response(response))) == response


def test_a_plain_text_response_survives_the_round_trip() -> None:
    response = lm15.Response(id=None, model="m", finish_reason="stop",
                             message=lm15.Message.assistant("hi"),
                             usage=lm15.Usage(input_tokens=1, output_tokens=1))
    assert to_dspy_response(_as_cached(from_dspy_response(response))) == response


def test_a_text_answer_with_provider_state_keeps_it() -> None:
    response = lm15.Response(id=None, model="m", finish_reason="stop",
                             message=lm15.Message.assistant([lm15.TextPart("hi", (STATE,))]),
                             usage=lm15.Usage(input_tokens=1, output_tokens=1))
    assert to_dspy_response(_as_cached(from_dspy_response(response))) == response


def test_message_level_provider_state_of_an_answer_is_kept() -> None:
    response = lm15.Response(id=None, model="m", finish_reason="stop",
                             message=lm15.Message("assistant", (lm15.TextPart("hi"),), (STATE,)),
                             usage=lm15.Usage(input_tokens=1, output_tokens=1))
    assert to_dspy_response(_as_cached(from_dspy_response(response))) == response


def _as_cached(response: LMResponse) -> LMResponse:
    """The response as the cache stores it (JSON), so no raw object short-cuts."""
    return LMResponse.from_dict(response.to_dict())


def test_a_canonical_response_becomes_the_dspy_parts() -> None:
    canonical = LMResponse(parts=(TextPart("t"), ToolCallPart("c1", "f", {"a": 1})),
                           finish_reason="tool_calls")
    out = to_dspy_response(canonical)
    assert out.finish_reason == "tool_call"
    assert out.tool_calls == [lm15.ToolCallPart("c1", "f", {"a": 1})]


def test_the_engine_declares_the_backend_capabilities_as_dspy_hints() -> None:
    class Pipe:
        def capabilities(self) -> Capabilities:
            return Capabilities.everything()

    engine = UnifiedEngine(Pipe(), "m")  # type: ignore[arg-type]
    assert engine.supports_function_calling and engine.supports_reasoning
    assert engine.supports_response_schema
    assert {"tools", "reasoning_effort", "response_format"} <= engine.supported_params


def test_the_engine_declares_nothing_beyond_text_for_a_text_only_backend() -> None:
    class Pipe:
        def capabilities(self) -> Capabilities:
            return Capabilities()

    engine = UnifiedEngine(Pipe(), "m")  # type: ignore[arg-type]
    assert not (engine.supports_function_calling or engine.supports_reasoning
                or engine.supports_response_schema)
    assert "response_format" not in engine.supported_params


def test_a_none_extension_still_removes_the_param_it_names() -> None:
    config = lm15.Config(temperature=0.3, extensions={"temperature": None, "custom": "x"})
    request = lm15.Request(model="m", messages=(lm15.Message.user("hi"),), config=config)
    assert to_lm_request(request, "m").params == {"custom": "x"}
