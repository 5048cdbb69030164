"""Canonical request -> Bedrock Converse content / the Anthropic messages body.

Converse (``converse(**kwargs)``; boto3 base64-encodes ``bytes`` on the wire):

=================  ===================================================================
canonical          Converse
=================  ===================================================================
text / data part   ``{"text"}`` (data as JSON text)
image part         ``{"image": {"format": png|jpeg|gif|webp, "source": {"bytes"}}}``
document part      ``{"document": {"format": pdf|…, "name": "document-N",
                   "source": {"bytes"}}}``
tool call part     ``{"toolUse": {"toolUseId", "name", "input"}}``
tool result part   ``{"toolResult": {"toolUseId", "content": [...], "status"?}}`` in a
                   user turn
thinking part      ``{"reasoningContent": {"reasoningText": {"text", "signature"?}}}``
tools / choice     ``toolConfig = {"tools": [{"toolSpec": {name, description,
                   inputSchema: {json}}}], "toolChoice": {auto|any|tool}}``
reasoning          ``additionalModelRequestFields.thinking`` (``budget_tokens`` from
                   ``thinking_budget``, else :data:`EFFORT_BUDGET`; ``off``: disabled)
top_k              ``additionalModelRequestFields.top_k``
=================  ===================================================================

The Anthropic body (``invoke_model``) uses Anthropic's blocks (``image``/``document``
with a base64 ``source``, ``tool_use``, ``tool_result``, ``thinking``), ``tools``,
``tool_choice`` and ``thinking``. A text-only turn keeps the legacy string content.
Media must be inline bytes (url-addressed media, tool choice ``none`` or several
allowed tools, and parallel-call settings are refused: the wire has no slot for them).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from .wire_support import state_value, unsupported

__all__ = ["EFFORT_BUDGET", "converse_messages", "converse_extras", "anthropic_messages",
           "anthropic_extras", "has_parts"]

#: Thinking budget (tokens) per reasoning effort when no ``thinking_budget`` is given.
EFFORT_BUDGET = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384,
                 "xhigh": 32768, "max": 63999}
_IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg",
                  "image/gif": "gif", "image/webp": "webp"}
_DOC_FORMATS = {"application/pdf": "pdf", "text/csv": "csv", "text/plain": "txt",
                "text/html": "html", "text/markdown": "md", "application/msword": "doc",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
                    "docx",
                "application/vnd.ms-excel": "xls",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}

Refuse = Callable[[str, str], Exception]


def has_parts(request: Any) -> bool:
    """True when any message is more than plain text (the slow path)."""
    return not request.is_text_only


def _b64(part: Any) -> str:
    data = part.data
    return data.split(";base64,", 1)[1] if data.startswith("data:") else data


def _inline(part: Any, refuse: Refuse) -> None:
    if part.data is None:
        raise refuse(part.type, "only inline bytes: url/file_id/path media has no slot")


def _format(part: Any, table: dict[str, str], refuse: Refuse) -> str:
    found = table.get(part.media_type.lower())
    if found is None:
        raise refuse(part.type, f"media type {part.media_type!r}; the wire takes "
                                + ", ".join(sorted(set(table.values()))))
    return found


def _signature(part: Any) -> str | None:
    return state_value(part, "signature")


def _converse_block(part: Any, refuse: Refuse, counter: list[int]) -> dict[str, Any]:
    kind = part.type
    if kind == "text":
        return {"text": part.text}
    if kind == "data":
        return {"text": json.dumps(part.value, ensure_ascii=False)}
    if kind == "image":
        _inline(part, refuse)
        return {"image": {"format": _format(part, _IMAGE_FORMATS, refuse),
                          "source": {"bytes": base64.b64decode(_b64(part))}}}
    if kind == "document":
        _inline(part, refuse)
        counter[0] += 1
        return {"document": {"format": _format(part, _DOC_FORMATS, refuse),
                             "name": f"document-{counter[0]}",
                             "source": {"bytes": base64.b64decode(_b64(part))}}}
    if kind == "tool_call":
        return {"toolUse": {"toolUseId": part.id, "name": part.name, "input": dict(part.input)}}
    if kind == "tool_result":
        result: dict[str, Any] = {"toolUseId": part.id, "content": [
            _converse_block(p, refuse, counter) for p in part.content]}
        if part.is_error:
            result["status"] = "error"
        return {"toolResult": result}
    if kind == "thinking":
        redacted = state_value(part, "redactedContent")
        if redacted is not None:
            return {"reasoningContent": {"redactedContent": base64.b64decode(redacted)}}
        text: dict[str, Any] = {"text": part.text}
        signature = _signature(part)
        if signature is not None:
            text["signature"] = signature
        return {"reasoningContent": {"reasoningText": text}}
    raise refuse(kind, "no Converse content block")


def _turns(request: Any, block: Callable[[Any], dict[str, Any]]
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(system blocks, messages with tool results in user turns, same roles merged)."""
    system: list[dict[str, Any]] = []
    if request.system:
        system = [{"text": request.system}] if isinstance(request.system, str) \
            else [block(p) for p in request.system]
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        if message.role in ("system", "developer"):
            system += [block(p) for p in message.parts]
            continue
        role = "assistant" if message.role == "assistant" else "user"
        blocks = [block(p) for p in message.parts]
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"] += blocks
        else:
            messages.append({"role": role, "content": blocks})
    return system, messages


def converse_messages(request: Any, refuse: Refuse
                      ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(``system``, ``messages``) of a Converse call for a request with parts."""
    counter = [0]
    return _turns(request, lambda p: _converse_block(p, refuse, counter))


def _choice_check(choice: Any, refuse: Refuse) -> None:
    if choice.parallel is not None:
        raise refuse("tool_choice", "parallel: the wire has no parallel-call setting")
    if len(choice.allowed) > 1:
        raise refuse("tool_choice", "several allowed tools: the wire names one tool only")


def _thinking(reasoning: Any) -> dict[str, Any]:
    if reasoning.effort == "off":
        return {"type": "disabled"}
    budget = reasoning.thinking_budget or EFFORT_BUDGET.get(reasoning.effort, 8192)
    return {"type": "enabled", "budget_tokens": budget}


def converse_extras(request: Any, params: dict[str, Any], refuse: Refuse) -> dict[str, Any]:
    """``toolConfig`` and ``additionalModelRequestFields`` (thinking, top_k) kwargs."""
    kwargs: dict[str, Any] = {}
    if request.tools:
        config: dict[str, Any] = {"tools": [
            {"toolSpec": {"name": t.name, **({"description": t.description}
                                              if t.description else {}),
                          "inputSchema": {"json": dict(t.parameters)}}}
            for t in request.tools]}
        choice = request.tool_choice
        if choice is not None:
            _choice_check(choice, refuse)
            if choice.mode == "none":
                raise refuse("tool_choice", "mode 'none': Converse has auto, any and tool")
            config["toolChoice"] = ({"tool": {"name": choice.allowed[0]}} if choice.allowed
                                    else {"any": {}} if choice.mode == "required"
                                    else {"auto": {}})
        kwargs["toolConfig"] = config
    elif request.tool_choice is not None:
        raise refuse("tool_choice", "a tool choice without tools")
    extra: dict[str, Any] = {}
    if request.reasoning is not None:
        extra["thinking"] = _thinking(request.reasoning)
    if params.get("top_k") is not None:
        extra["top_k"] = params["top_k"]
    if extra:
        kwargs["additionalModelRequestFields"] = extra
    return kwargs


def _anthropic_block(part: Any, refuse: Refuse) -> dict[str, Any]:
    kind = part.type
    if kind == "text":
        return {"type": "text", "text": part.text}
    if kind == "data":
        return {"type": "text", "text": json.dumps(part.value, ensure_ascii=False)}
    if kind in ("image", "document"):
        _inline(part, refuse)
        _format(part, _IMAGE_FORMATS if kind == "image" else {"application/pdf": "pdf"},
                refuse)
        return {"type": kind, "source": {"type": "base64", "media_type": part.media_type,
                                         "data": _b64(part)}}
    if kind == "tool_call":
        return {"type": "tool_use", "id": part.id, "name": part.name, "input": dict(part.input)}
    if kind == "tool_result":
        return {"type": "tool_result", "tool_use_id": part.id, "is_error": part.is_error,
                "content": [_anthropic_block(p, refuse) for p in part.content]}
    if kind == "thinking":
        redacted = state_value(part, "data")
        if redacted is not None:
            return {"type": "redacted_thinking", "data": redacted}
        block = {"type": "thinking", "thinking": part.text}
        signature = _signature(part)
        if signature is not None:
            block["signature"] = signature
        return block
    raise refuse(kind, "no Anthropic content block")


def anthropic_messages(request: Any, refuse: Refuse
                       ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(``system`` blocks, ``messages``) of the Anthropic body for a request with parts."""
    return _turns(request, lambda p: _anthropic_block(p, refuse))


def anthropic_extras(request: Any, params: dict[str, Any], refuse: Refuse) -> dict[str, Any]:
    """``tools``, ``tool_choice``, ``thinking``, ``top_k`` and ``metadata`` of the body."""
    body: dict[str, Any] = {}
    if request.tools:
        body["tools"] = [{"name": t.name, **({"description": t.description}
                                              if t.description else {}),
                          "input_schema": dict(t.parameters)} for t in request.tools]
    choice = request.tool_choice
    if choice is not None:
        if len(choice.allowed) > 1:
            raise refuse("tool_choice", "several allowed tools: the wire names one tool only")
        spec: dict[str, Any] = ({"type": "tool", "name": choice.allowed[0]} if choice.allowed
                                else {"type": {"required": "any"}.get(choice.mode,
                                                                      choice.mode)})
        if choice.parallel is not None:
            spec["disable_parallel_tool_use"] = not choice.parallel
        body["tool_choice"] = spec
    if request.reasoning is not None:
        body["thinking"] = _thinking(request.reasoning)
    if params.get("top_k") is not None:
        body["top_k"] = params["top_k"]
    if params.get("user_id") is not None:
        body["metadata"] = {"user_id": params["user_id"]}
    return body


def refuser(backend: str, model: str, wire: str) -> Refuse:
    """A ``refuse(feature, detail)`` building this backend's UnsupportedFeatureError."""
    return lambda feature, detail: unsupported(feature, backend=backend, model=model,
                                               wire=wire, detail=detail)
