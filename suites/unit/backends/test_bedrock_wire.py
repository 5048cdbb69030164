"""Canonical request -> Converse / Anthropic body on Bedrock, answers back, refusals."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from harness.stack.moto_bedrock import BedrockReply
from unified import LMRequest, Message, UnifiedConfig
from unified._backends.bedrock import BedrockBackend
from unified._errors import UnsupportedFeatureError
from unified._types import (
    Continuation,
    MediaPart,
    Reasoning,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
    ToolSpec,
)

FIXTURES = Path(__file__).resolve().parents[2] / "scenarios" / "fixtures"
PNG_BYTES = (FIXTURES / "red.png").read_bytes()
PDF_BYTES = (FIXTURES / "invoice.pdf").read_bytes()
SONNET_37 = "anthropic.claude-3-7-sonnet-20250219-v1:0"
ADD = ToolSpec("add", "Add.", {"type": "object", "properties": {"a": {"type": "integer"}}})
CALL = {"id": "call_1", "name": "add", "arguments": {"a": 1}}


def backend(model: str = SONNET_37, api: str = "converse") -> BedrockBackend:
    return BedrockBackend(UnifiedConfig(backend="bedrock", model=model, aws_region="us-east-1",
                                        bedrock_api=api))


def media_request() -> LMRequest:
    return LMRequest(SONNET_37, (Message("user", [
        TextPart("look:"),
        MediaPart("image", "image/png", data=base64.b64encode(PNG_BYTES).decode()),
        MediaPart("document", "application/pdf", data=base64.b64encode(PDF_BYTES).decode())]),))


def test_converse_sends_image_and_document_blocks_with_the_raw_bytes() -> None:
    content = backend().converse_kwargs(media_request())["messages"][0]["content"]
    assert content[1] == {"image": {"format": "png", "source": {"bytes": PNG_BYTES}}}
    assert content[2] == {"document": {"format": "pdf", "name": "document-1",
                                       "source": {"bytes": PDF_BYTES}}}


def test_invoke_sends_anthropic_base64_blocks() -> None:
    content = backend(api="invoke").invoke_body(media_request())["messages"][0]["content"]
    assert content[1]["source"] == {"type": "base64", "media_type": "image/png",
                                    "data": base64.b64encode(PNG_BYTES).decode()}
    assert content[2]["type"] == "document"


def test_converse_maps_tools_choice_thinking_and_a_tool_round_trip() -> None:
    signed = ThinkingPart("hmm", (Continuation("bedrock", "reasoning", {"signature": "s"}),))
    request = LMRequest(SONNET_37, (
        Message("user", "1+1?"),
        Message("assistant", [signed, ToolCallPart("call_1", "add", {"a": 1})]),
        Message("tool", [ToolResultPart("call_1", (TextPart("2"),))])),
        tools=(ADD,), tool_choice=ToolChoice("required"), reasoning=Reasoning("low"))
    kwargs = backend().converse_kwargs(request)
    assistant, result = kwargs["messages"][1], kwargs["messages"][2]
    assert assistant["content"][0] == {"reasoningContent": {"reasoningText": {
        "text": "hmm", "signature": "s"}}}
    assert assistant["content"][1] == {"toolUse": {"toolUseId": "call_1", "name": "add",
                                                   "input": {"a": 1}}}
    assert result == {"role": "user", "content": [{"toolResult": {
        "toolUseId": "call_1", "content": [{"text": "2"}]}}]}
    assert kwargs["toolConfig"]["toolChoice"] == {"any": {}}
    assert kwargs["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"] == {
        "json": dict(ADD.parameters)}
    assert kwargs["additionalModelRequestFields"] == {
        "thinking": {"type": "enabled", "budget_tokens": 2048}}


def test_the_model_table_narrows_capabilities() -> None:
    assert backend().capabilities().reasoning
    claude3 = backend("anthropic.claude-3-haiku-20240307-v1:0").capabilities()
    assert claude3.carries("image") and not claude3.reasoning
    titan = backend("amazon.titan-text-express-v1").capabilities()
    assert not titan.carries("image") and not titan.function_calling
    assert not backend().capabilities().carries("audio")


def test_a_url_addressed_image_is_refused_before_any_call() -> None:
    request = LMRequest(SONNET_37, (Message("user", [
        TextPart("x"), MediaPart("image", "image/png", url="https://example.com/a.png")]),))
    with pytest.raises(UnsupportedFeatureError, match="inline bytes"):
        backend().converse_kwargs(request)


@pytest.mark.parametrize("api", ["converse", "invoke"])
def test_tool_use_and_thinking_answers_come_back_as_parts(bedrock, api) -> None:
    bedrock.script(BedrockReply("", "tool_use", tool_calls=(CALL,), thinking="plan",
                                thinking_signature="sig"))
    response = backend(api=api).complete(LMRequest(SONNET_37, (Message("user", "1+1?"),),
                                                   tools=(ADD,)))
    assert response.tool_calls == [ToolCallPart("call_1", "add", {"a": 1})]
    assert response.thinking[0].text == "plan"
    assert response.thinking[0].continuation[0].data == {"signature": "sig"}
    assert response.finish_reason == "tool_call"
    sent = bedrock.calls[-1].body
    assert "toolConfig" in sent if api == "converse" else json.dumps(sent).count('"add"') == 1


def test_a_refused_part_names_backend_model_and_what_would_carry_it(bedrock) -> None:
    from unified import UnifiedDSPyWrapper

    wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend="bedrock", model=SONNET_37,
                                               aws_region="us-east-1"))
    request = LMRequest(SONNET_37, (Message("user", [
        TextPart("hear:"), MediaPart("audio", "audio/wav", data="UklGRg==")]),))
    with pytest.raises(UnsupportedFeatureError) as info:
        wrapper.pipeline.complete(request)
    assert (info.value.feature, info.value.backend, info.value.model) == (
        "audio", "bedrock", SONNET_37)
    assert "direct (litellm)" in info.value.carrier and "gateway" in info.value.carrier
    assert bedrock.calls == []


@pytest.mark.parametrize("api", ["converse", "invoke"])
def test_a_reasoning_summary_and_a_builtin_tool_are_refused(api) -> None:
    summary = LMRequest(SONNET_37, (Message("user", "hi"),),
                        reasoning=Reasoning("high", summary="detailed"))
    builtin = LMRequest(SONNET_37, (Message("user", "hi"),),
                        tools=(ToolSpec("web_search", builtin=True),))
    build = backend(api=api).converse_kwargs if api == "converse" \
        else backend(api=api).invoke_body
    with pytest.raises(UnsupportedFeatureError, match="summary"):
        build(summary)
    with pytest.raises(UnsupportedFeatureError, match="provider-native"):
        build(builtin)


def test_provider_state_rides_only_on_thinking_parts() -> None:
    state = (Continuation("openai", "item", {"id": "rs_1"}),)
    signed = ThinkingPart("hmm", (Continuation("bedrock", "reasoning", {"signature": "s"}),))
    ok = LMRequest(SONNET_37, (Message("user", "hi"), Message("assistant", [signed]),
                               Message("user", "go")))
    stray = LMRequest(SONNET_37, (Message("user", [TextPart("hi", state)]),))
    assert backend().capabilities().carries("continuation")
    assert backend().converse_kwargs(ok)["messages"][1]["content"][0]["reasoningContent"]
    with pytest.raises(UnsupportedFeatureError, match="other than thinking"):
        backend().converse_kwargs(stray)


def test_redacted_thinking_goes_back_as_the_same_blob() -> None:
    from unified._backends.bedrock_answer import anthropic_parts, converse_parts

    converse = converse_parts([{"reasoningContent": {"redactedContent": b"\x00secret"}},
                               {"text": "ok"}])
    anthropic = anthropic_parts([{"type": "redacted_thinking", "data": "opaque"},
                                 {"type": "text", "text": "ok"}])
    for api, parts, expected in (
            ("converse", converse, {"reasoningContent": {"redactedContent": b"\x00secret"}}),
            ("invoke", anthropic, {"type": "redacted_thinking", "data": "opaque"})):
        request = LMRequest(SONNET_37, (Message("user", "hi"), Message("assistant", parts),
                                        Message("user", "go")))
        built = backend(api=api).converse_kwargs(request) if api == "converse" \
            else backend(api=api).invoke_body(request)
        assert built["messages"][1]["content"][0] == expected
