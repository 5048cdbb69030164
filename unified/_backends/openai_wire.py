"""Canonical request -> OpenAI chat-completions body (the gateway's and litellm's wire).

Mapping (what is not listed here is refused first by
the ``Checked`` layer from ``capabilities()`` and
:func:`unified._backends.wire_support.refuse_details`):

=====================  ============================================================
canonical              OpenAI chat completions
=====================  ============================================================
text part              ``{"type": "text", "text"}`` (a lone text part: a plain string)
image part             ``{"type": "image_url", "image_url": {"url", "detail"?}}``;
                       inline bytes as a ``data:<media type>;base64,`` URI
audio part             ``{"type": "input_audio", "input_audio": {"data", "format"}}``
document part          ``{"type": "file", "file": {"file_data": data URI | "file_id"}}``
data part              its JSON as a text part
tool call part         assistant ``tool_calls[]`` (``arguments`` as JSON text)
tool result part       a ``{"role": "tool", "tool_call_id", "content"}`` message
refusal part           assistant ``refusal``
thinking part          assistant ``thinking_blocks`` (litellm, Anthropic-family
                       providers only: ``litellm-thinking`` wire)
tools                  ``tools[] = {"type": "function", "function": {...}}``
tool choice            ``"auto" | "required" | "none"``, one allowed name as
                       ``{"type": "function", …}``, several as ``allowed_tools``;
                       ``parallel`` as ``parallel_tool_calls``
reasoning effort       ``reasoning_effort`` (``off`` -> ``"none"``); a thinking budget as
                       litellm's ``thinking`` (``litellm-thinking`` wire only)
response_format        ``{"type": "json_schema", "json_schema": {name, schema, strict}}``
                       or ``{"type": "json_object"}``
logprobs n             ``logprobs: true`` (+ ``top_logprobs: n`` when n > 0)
user_id                ``user``
prompt cache           ``prompt_cache_key`` (its key), ``prompt_cache_retention``
                       ``"24h"`` (long retention); OpenAI caches prefixes itself
other params           verbatim (``seed``, ``stop``, ``temperature``, extensions, …)
=====================  ============================================================

Media bytes are never re-encoded: the base64 DSPy sent is put on the wire as is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .wire_support import audio_format, state_value

__all__ = ["openai_messages", "openai_tools", "openai_extras", "data_uri"]


def data_uri(part: Any) -> str:
    """The part's inline data as a ``data:`` URI (kept as is when already one)."""
    data = part.data
    return data if data.startswith("data:") else f"data:{part.media_type};base64,{data}"


def _b64(part: Any) -> str:
    data = part.data
    return data.split(";base64,", 1)[1] if data.startswith("data:") else data


def _content_part(part: Any) -> dict[str, Any]:
    kind = part.type
    if kind == "text":
        return {"type": "text", "text": part.text}
    if kind == "data":
        return {"type": "text", "text": json.dumps(part.value, ensure_ascii=False)}
    if kind == "image":
        image: dict[str, Any] = {"url": data_uri(part) if part.data is not None else part.url}
        if part.detail is not None:
            image["detail"] = part.detail
        return {"type": "image_url", "image_url": image}
    if kind == "audio":
        return {"type": "input_audio", "input_audio": {"data": _b64(part),
                                                       "format": audio_format(part)}}
    if kind == "document":
        file = {"file_id": part.file_id} if part.file_id else {"file_data": data_uri(part)}
        return {"type": "file", "file": file}
    raise ValueError(f"no OpenAI content part for {kind!r}")   # refused before this point


def _content(parts: Any) -> str | list[dict[str, Any]]:
    if len(parts) == 1 and parts[0].type == "text":
        return str(parts[0].text)
    return [_content_part(p) for p in parts]


def _tool_result_text(part: Any) -> str | list[dict[str, Any]]:
    if all(p.type == "text" for p in part.content):
        return "".join(p.text for p in part.content)
    return [_content_part(p) for p in part.content]


def _thinking_blocks(parts: Any) -> list[dict[str, Any]]:
    """litellm's ``thinking_blocks`` (Anthropic-family providers) for thinking parts."""
    blocks = []
    for part in parts:
        redacted = state_value(part, "data")
        if redacted is not None:
            blocks.append({"type": "redacted_thinking", "data": redacted})
            continue
        block: dict[str, Any] = {"type": "thinking", "thinking": part.text}
        signature = state_value(part, "signature")
        if signature is not None:
            block["signature"] = signature
        blocks.append(block)
    return blocks


def _assistant(parts: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant"}
    thinking = [p for p in parts if p.type == "thinking"]
    if thinking:     # refused before this point on wires without thinking (see module doc)
        message["thinking_blocks"] = _thinking_blocks(thinking)
    content = [p for p in parts if p.type in ("text", "data")]
    calls = [p for p in parts if p.type == "tool_call"]
    refusals = [p.text for p in parts if p.type == "refusal"]
    message["content"] = _content(content) if content else None
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function",
             "function": {"name": c.name, "arguments": json.dumps(dict(c.input),
                                                                  ensure_ascii=False)}}
            for c in calls]
    if refusals:
        message["refusal"] = "\n".join(refusals)
    return message


def openai_messages(request: Any) -> list[dict[str, Any]]:
    """The ``messages`` array: system first, tool results as ``tool`` messages."""
    out: list[dict[str, Any]] = []
    system = request.system
    if system:
        out.append({"role": "system", "content": system if isinstance(system, str)
                    else _content(tuple(system))})
    for message in request.messages:
        parts = tuple(message.parts)
        results = [p for p in parts if p.type == "tool_result"]
        rest = tuple(p for p in parts if p.type != "tool_result")
        out += [{"role": "tool", "tool_call_id": r.id, "content": _tool_result_text(r)}
                for r in results]
        if message.role == "assistant":
            if rest:
                out.append(_assistant(rest))
        elif rest:
            role = "user" if message.role == "tool" else message.role
            out.append({"role": role, "content": _content(rest)})
    return out


def openai_tools(tools: Any) -> list[dict[str, Any]]:
    """``tools`` as OpenAI function tools."""
    out = []
    for tool in tools:
        function: dict[str, Any] = {"name": tool.name, "parameters": dict(tool.parameters)}
        if tool.description is not None:
            function["description"] = tool.description
        out.append({"type": "function", "function": function})
    return out


def _tool_choice(choice: Any) -> Any:
    if len(choice.allowed) == 1 and choice.mode != "none":
        return {"type": "function", "function": {"name": choice.allowed[0]}}
    if choice.allowed:
        return {"type": "allowed_tools", "allowed_tools": {
            "mode": choice.mode, "tools": [{"type": "function", "function": {"name": n}}
                                           for n in choice.allowed]}}
    return choice.mode


def response_format(value: Mapping[str, Any]) -> dict[str, Any]:
    """lm15's ``response_format`` in OpenAI's spelling (already-native shapes kept)."""
    if value.get("type") != "json_schema" or "json_schema" in value:
        return dict(value)
    spec: dict[str, Any] = {"name": value.get("name") or "response", "schema": value["schema"]}
    if "strict" in value:
        spec["strict"] = value["strict"]
    return {"type": "json_schema", "json_schema": spec}


def openai_extras(request: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """Tools, tool choice, reasoning and the params in OpenAI's spelling."""
    body = {k: v for k, v in params.items()
            if k not in ("response_format", "logprobs", "user_id")}
    if params.get("response_format") is not None:
        body["response_format"] = response_format(params["response_format"])
    if params.get("logprobs") is not None:
        body["logprobs"] = True
        if params["logprobs"]:
            body["top_logprobs"] = params["logprobs"]
    if params.get("user_id") is not None:
        body["user"] = params["user_id"]
    cache = getattr(request, "prompt_cache", None)
    if cache is not None and cache.key:
        body["prompt_cache_key"] = cache.key
    if cache is not None and cache.retention == "long":
        body["prompt_cache_retention"] = "24h"
    if getattr(request, "tools", ()):
        body["tools"] = openai_tools(request.tools)
    choice = getattr(request, "tool_choice", None)
    if choice is not None:
        body["tool_choice"] = _tool_choice(choice)
        if choice.parallel is not None:
            body["parallel_tool_calls"] = choice.parallel
    reasoning = getattr(request, "reasoning", None)
    if reasoning is not None and reasoning.thinking_budget is not None:
        body["thinking"] = {"type": "enabled", "budget_tokens": reasoning.thinking_budget}
    elif reasoning is not None:
        body["reasoning_effort"] = "none" if reasoning.effort == "off" else reasoning.effort
    return body
