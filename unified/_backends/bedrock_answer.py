"""Bedrock answers (Converse output, Anthropic messages body) -> canonical parts and usage.

Converse ``output.message.content[]``: ``text`` -> ``TextPart``; ``toolUse`` ->
``ToolCallPart``; ``reasoningContent.reasoningText`` -> ``ThinkingPart`` (its
``signature`` kept as continuation state so the turn can be replayed);
``reasoningContent.redactedContent`` -> an empty ``ThinkingPart`` with that state.
Anthropic ``content[]``: ``text``, ``tool_use``, ``thinking`` (signature kept) and
``redacted_thinking``. Usage adds the prompt-cache read/write counts.

A text-only answer gives no parts (the response is its text, as before).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from .._types import Continuation, TextPart, ThinkingPart, ToolCallPart, Usage

__all__ = ["converse_parts", "anthropic_parts", "converse_usage", "anthropic_usage",
           "PROVIDER"]

#: The ``provider`` of the continuation state Bedrock thinking parts carry.
PROVIDER = "bedrock"


def _state(kind: str, data: Mapping[str, Any]) -> tuple[Continuation, ...]:
    kept = {k: v for k, v in data.items() if v is not None}
    return (Continuation(PROVIDER, kind, kept),) if kept else ()


def converse_parts(blocks: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
    """Parts of a Converse assistant message; ``()`` when it is text only."""
    if all(set(b) == {"text"} for b in blocks):
        return ()
    parts: list[Any] = []
    for block in blocks:
        if "text" in block:
            parts.append(TextPart(str(block["text"])))
        elif "toolUse" in block:
            use = block["toolUse"]
            parts.append(ToolCallPart(str(use["toolUseId"]), str(use["name"]),
                                      dict(use.get("input") or {})))
        elif "reasoningContent" in block:
            content = block["reasoningContent"]
            text = content.get("reasoningText") or {}
            if text:
                parts.append(ThinkingPart(str(text.get("text") or ""), _state(
                    "reasoning", {"signature": text.get("signature")})))
            else:            # boto3 gives the blob as bytes: kept as base64 (JSON state)
                blob = content.get("redactedContent")
                if isinstance(blob, (bytes, bytearray)):
                    blob = base64.b64encode(bytes(blob)).decode("ascii")
                parts.append(ThinkingPart("", _state("redacted", {"redactedContent": blob})))
    return tuple(parts)


def anthropic_parts(blocks: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
    """Parts of an Anthropic messages ``content``; ``()`` when it is text only."""
    if all(b.get("type") == "text" for b in blocks):
        return ()
    parts: list[Any] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "text":
            parts.append(TextPart(str(block["text"])))
        elif kind == "tool_use":
            parts.append(ToolCallPart(str(block["id"]), str(block["name"]),
                                      dict(block.get("input") or {})))
        elif kind == "thinking":
            parts.append(ThinkingPart(str(block.get("thinking") or ""),
                                      _state("reasoning", {"signature": block.get("signature")})))
        elif kind == "redacted_thinking":
            parts.append(ThinkingPart("", _state("redacted", {"data": block.get("data")})))
    return tuple(parts)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _usage(tokens_in: Any, tokens_out: Any, cached: Any, written: Any, total: Any,
           estimate: tuple[int, int]) -> Usage:
    found_in, found_out = _int(tokens_in), _int(tokens_out)
    return Usage(estimate[0] if found_in is None else found_in,
                 estimate[1] if found_out is None else found_out,
                 cached_tokens=_int(cached), cache_write_tokens=_int(written),
                 reported_total=_int(total))


def converse_usage(usage: Mapping[str, Any], estimate: tuple[int, int]) -> Usage:
    """Canonical usage of a Converse answer."""
    return _usage(usage.get("inputTokens"), usage.get("outputTokens"),
                  usage.get("cacheReadInputTokens"), usage.get("cacheWriteInputTokens"),
                  usage.get("totalTokens"), estimate)


def anthropic_usage(usage: Mapping[str, Any], estimate: tuple[int, int]) -> Usage:
    """Canonical usage of an Anthropic messages answer."""
    return _usage(usage.get("input_tokens"), usage.get("output_tokens"),
                  usage.get("cache_read_input_tokens"),
                  usage.get("cache_creation_input_tokens"), None, estimate)
