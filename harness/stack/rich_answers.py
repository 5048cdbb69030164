"""Scripted answers beyond text, in each wire's shape, and Converse blobs as recorded.

:class:`harness.stack.upstream.Reply` and :class:`harness.stack.moto_bedrock.BedrockReply` carry
``tool_calls`` (``[{"id", "name", "arguments"}]``, arguments a dict) and thinking; the
functions here lay them out as an OpenAI chat message, Converse content blocks or
Anthropic content blocks.
"""

from __future__ import annotations

import base64
import json
from typing import Any

__all__ = ["openai_message", "converse_content", "anthropic_content", "wire_json"]


def openai_message(reply: Any) -> dict[str, Any]:
    """The OpenAI ``choices[0].message`` of an upstream ``Reply``."""
    message: dict[str, Any] = {"role": "assistant",
                               "content": reply.content if reply.content or not reply.tool_calls
                               else None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": call["id"], "type": "function",
             "function": {"name": call["name"],
                          "arguments": json.dumps(call.get("arguments") or {}, sort_keys=True)}}
            for call in reply.tool_calls]
    if reply.reasoning is not None:
        message["reasoning_content"] = reply.reasoning
    if reply.refusal is not None:
        message["refusal"] = reply.refusal
    return message


def converse_content(reply: Any) -> list[dict[str, Any]]:
    """The Converse ``output.message.content`` blocks of a ``BedrockReply``."""
    blocks: list[dict[str, Any]] = []
    if reply.thinking is not None:
        blocks.append({"reasoningContent": {"reasoningText": {
            "text": reply.thinking, "signature": reply.thinking_signature}}})
    if reply.text or not reply.tool_calls:
        blocks.append({"text": reply.text})
    blocks += [{"toolUse": {"toolUseId": c["id"], "name": c["name"],
                            "input": c.get("arguments") or {}}} for c in reply.tool_calls]
    return blocks


def anthropic_content(reply: Any) -> list[dict[str, Any]]:
    """The Anthropic messages ``content`` blocks of a ``BedrockReply`` (``invoke_model``)."""
    blocks: list[dict[str, Any]] = []
    if reply.thinking is not None:
        blocks.append({"type": "thinking", "thinking": reply.thinking,
                       "signature": reply.thinking_signature})
    if reply.text or not reply.tool_calls:
        blocks.append({"type": "text", "text": reply.text})
    blocks += [{"type": "tool_use", "id": c["id"], "name": c["name"],
                "input": c.get("arguments") or {}} for c in reply.tool_calls]
    return blocks


def wire_json(value: Any) -> Any:
    """``value`` as it was on the wire: moto decodes Converse blobs (image/document
    ``bytes``) back to bytes; they travelled base64-encoded, and are recorded so."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: wire_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire_json(v) for v in value]
    return value
