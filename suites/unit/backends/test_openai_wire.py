"""Canonical request -> OpenAI chat body (gateway routes and litellm), and the refusals."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from unified import LMRequest, Message, UnifiedConfig
from unified._backends.direct import DirectBackend
from unified._backends.gateway import GatewayBackend
from unified._errors import UnsupportedFeatureError
from unified._types import (
    MediaPart,
    Reasoning,
    TextPart,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
    ToolSpec,
)

FIXTURES = Path(__file__).resolve().parents[2] / "scenarios" / "fixtures"
PNG = base64.b64encode((FIXTURES / "red.png").read_bytes()).decode()
PDF = base64.b64encode((FIXTURES / "invoice.pdf").read_bytes()).decode()
WAV = base64.b64encode((FIXTURES / "beep.wav").read_bytes()).decode()
ADD = ToolSpec("add", "Add two integers.", {"type": "object", "properties": {
    "a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]})


def gateway(route: str = "openai", **changes) -> GatewayBackend:
    return GatewayBackend(UnifiedConfig(backend="gateway", model="chat",
                                        gateway_uri="http://127.0.0.1:9", gateway_route=route,
                                        **changes))


def direct() -> DirectBackend:
    return DirectBackend(UnifiedConfig(backend="direct", model="openai/gpt-4o-mini",
                                       api_key="k"))


def media(kind: str, data: str, media_type: str) -> MediaPart:
    return MediaPart(kind, media_type, data=data)


def user(*parts) -> Message:
    return Message("user", [TextPart("look:"), *parts])


def test_image_and_audio_reach_the_gateway_body_byte_for_byte() -> None:
    request = LMRequest("chat", (user(media("image", PNG, "image/png"),
                                      media("audio", WAV, "audio/wav")),))
    content = gateway().payload(request)["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "look:"}
    assert content[1] == {"type": "image_url",
                          "image_url": {"url": f"data:image/png;base64,{PNG}"}}
    assert content[2] == {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}}


def test_a_pdf_reaches_litellm_as_an_openai_file_part_byte_for_byte() -> None:
    request = LMRequest("chat", (user(media("document", PDF, "application/pdf")),))
    kwargs = direct().completion_kwargs(request)
    assert kwargs["messages"][0]["content"][1] == {
        "type": "file", "file": {"file_data": f"data:application/pdf;base64,{PDF}"}}


def test_tools_tool_choice_and_a_tool_round_trip_map_to_openai_fields() -> None:
    request = LMRequest("chat", (
        Message("user", "1+2?"),
        Message("assistant", [ToolCallPart("call_1", "add", {"a": 1, "b": 2})]),
        Message("tool", [ToolResultPart("call_1", (TextPart("3"),), name="add")])),
        tools=(ADD,), tool_choice=ToolChoice("auto", ("add",), parallel=False))
    body = direct().completion_kwargs(request)
    assert body["messages"][1] == {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "add", "arguments": json.dumps({"a": 1, "b": 2})}}]}
    assert body["messages"][2] == {"role": "tool", "tool_call_id": "call_1", "content": "3"}
    assert body["tools"] == [{"type": "function", "function": {
        "name": "add", "description": "Add two integers.", "parameters": dict(ADD.parameters)}}]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    assert body["parallel_tool_calls"] is False


def test_response_format_logprobs_and_reasoning_effort_take_openai_spelling() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    request = LMRequest("chat", (Message("user", "hi"),), params={
        "response_format": {"type": "json_schema", "schema": schema, "name": "out"},
        "logprobs": 2, "seed": 7, "stop": ["END"]}, reasoning=Reasoning("high"))
    body = direct().completion_kwargs(request)
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "out", "schema": schema}}
    assert (body["logprobs"], body["top_logprobs"]) == (True, 2)
    assert (body["seed"], body["stop"], body["reasoning_effort"]) == (7, ["END"], "high")


def test_plain_text_keeps_the_string_content_fast_path() -> None:
    body = gateway("endpoints").payload(LMRequest("chat", (Message("user", "hi"),),
                                                  system="be brief"))
    assert body["messages"] == [{"role": "system", "content": "be brief"},
                                {"role": "user", "content": "hi"}]


@pytest.mark.parametrize("route", ["endpoints", "openai"])
def test_every_gateway_route_declares_mlflows_chat_schema(route) -> None:
    caps = gateway(route).capabilities()
    assert caps.carries("image") and caps.carries("audio") and caps.function_calling
    assert not caps.carries("document") and not caps.reasoning


def test_logprobs_are_refused_on_mlflow_whose_answers_drop_them() -> None:
    request = LMRequest("chat", (Message("user", "hi"),), params={"logprobs": 1})
    with pytest.raises(UnsupportedFeatureError, match="logprobs"):
        gateway().payload(request)


def test_a_tool_schema_mlflow_would_strip_is_refused() -> None:
    nested = ToolSpec("find", None, {"type": "object", "properties": {
        "when": {"anyOf": [{"type": "string"}, {"type": "null"}]}}})
    request = LMRequest("chat", (Message("user", "hi"),), tools=(nested,))
    with pytest.raises(UnsupportedFeatureError, match="anyOf"):
        gateway().payload(request)


def test_a_capabilities_override_replaces_what_the_route_declares() -> None:
    caps = gateway("openai", capabilities_override=("image", "document")).capabilities()
    assert caps.carries("document") and not caps.carries("tools")


def test_an_ogg_audio_part_is_refused_before_sending_and_names_backend_and_model() -> None:
    request = LMRequest("chat", (user(media("audio", WAV, "audio/ogg")),))
    with pytest.raises(UnsupportedFeatureError, match=r"gateway.*'chat'.*audio.*ogg") as info:
        gateway().payload(request)
    assert info.value.feature == "audio" and "bedrock" not in (info.value.carrier or "")


def test_a_thinking_budget_is_refused_on_the_openai_wire() -> None:
    request = LMRequest("chat", (Message("user", "hi"),),
                        reasoning=Reasoning("high", thinking_budget=2048))
    with pytest.raises(UnsupportedFeatureError, match="thinking_budget"):
        gateway().payload(request)


def test_direct_declares_what_litellm_knows_the_model_lacks() -> None:
    caps = direct().capabilities()
    assert caps.carries("image") and caps.carries("document") and caps.function_calling
    assert not caps.carries("audio") and not caps.reasoning


def test_a_model_litellm_does_not_know_gets_the_whole_openai_format() -> None:
    caps = DirectBackend(UnifiedConfig(backend="direct", model="openai/in-house-model",
                                       api_key="k")).capabilities()
    assert caps.carries("audio") and caps.carries("document") and caps.reasoning


def test_declaring_direct_capabilities_does_not_import_litellm() -> None:
    import subprocess
    import sys

    code = ("import sys; from unified import UnifiedConfig; "
            "from unified._backends.direct import DirectBackend; "
            "DirectBackend(UnifiedConfig(backend='direct', model='openai/gpt-4o-mini', "
            "api_key='k')).capabilities(); print('litellm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_litellm_in_front_of_anthropic_carries_thinking_blocks_and_a_budget() -> None:
    from unified._types import Continuation, ThinkingPart

    signed = ThinkingPart("plan", (Continuation("anthropic", "thinking", {"signature": "s"}),))
    request = LMRequest("m", (Message("user", "hi"), Message("assistant", [signed,
                                                                           TextPart("ok")]),
                              Message("user", "more")),
                        reasoning=Reasoning("high", thinking_budget=4096))
    backend = DirectBackend(UnifiedConfig(backend="direct", api_key="k",
                                          model="anthropic/claude-sonnet-4-20250514"))
    kwargs = backend.completion_kwargs(request)
    assert kwargs["messages"][1]["thinking_blocks"] == [
        {"type": "thinking", "thinking": "plan", "signature": "s"}]
    assert kwargs["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    assert "reasoning_effort" not in kwargs and backend.capabilities().carries("thinking")
    assert not direct().capabilities().carries("thinking")


def test_a_prompt_cache_key_reaches_the_openai_wire_and_a_resource_is_refused() -> None:
    from unified._types import PromptCache

    keyed = LMRequest("m", (Message("user", "hi"),), prompt_cache=PromptCache(key="k1",
                                                                              retention="long"))
    kwargs = direct().completion_kwargs(keyed)
    assert (kwargs["prompt_cache_key"], kwargs["prompt_cache_retention"]) == ("k1", "24h")
    stored = LMRequest("m", (Message("user", "hi"),), prompt_cache=PromptCache(resource="c1"))
    with pytest.raises(UnsupportedFeatureError, match="stored cache resource"):
        direct().completion_kwargs(stored)
