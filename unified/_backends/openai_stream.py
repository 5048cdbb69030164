"""OpenAI chat-completion streams -> canonical deltas (the gateway's SSE and litellm).

:class:`OpenAIStreamParser` reads either raw SSE lines (``feed_line``: ``data: {…}``,
``data: [DONE]``, comments and blank lines ignored) or already-decoded chunk dicts
(``feed_chunk``), and turns each chunk's ``choices[0].delta`` into deltas:
``content`` -> :class:`~unified._stream.TextDelta`, ``reasoning_content`` /
``reasoning`` -> ``ThinkingDelta``, ``tool_calls[]`` -> ``ToolCallDelta`` (by
``index``). ``finish_reason`` and ``usage`` (the chunk sent with
``stream_options.include_usage``) make the final ``StreamEnd``. A stream is
``complete`` once it has sent a finish reason or ``[DONE]``; one that stops before is
cut (the backend reports it as a connection failure).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._stream import Delta, StreamEnd, TextDelta, ThinkingDelta, ToolCallDelta
from .._types import Usage

__all__ = ["OpenAIStreamParser", "MalformedChunk"]


class MalformedChunk(ValueError):
    """An SSE ``data:`` line that is not a JSON chunk."""


class OpenAIStreamParser:
    """Incremental parser of one OpenAI-style stream (see module docstring)."""

    def __init__(self) -> None:
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.id: str | None = None
        self.done = False
        self.text_parts: list[str] = []

    @property
    def complete(self) -> bool:
        """Whether the stream said it was finished (finish reason or ``[DONE]``)."""
        return self.done or self.finish_reason is not None

    def feed_line(self, line: str) -> list[Delta]:
        """The deltas of one SSE line."""
        if not line.startswith("data:"):
            return []                       # blank separator, comment, event:, id:, retry:
        data = line[5:].strip()
        if data == "[DONE]":
            self.done = True
            return []
        try:
            chunk = json.loads(data)
        except ValueError as exc:
            raise MalformedChunk(f"SSE data is not JSON ({len(data)} bytes)") from exc
        if not isinstance(chunk, dict):
            raise MalformedChunk("SSE data is not a JSON object")
        if "error" in chunk and "choices" not in chunk:
            raise MalformedChunk(f"error event in stream: {str(chunk['error'])[:200]}")
        return self.feed_chunk(chunk)

    def feed_chunk(self, chunk: Mapping[str, Any]) -> list[Delta]:
        """The deltas of one decoded chunk."""
        self.id = self.id or chunk.get("id")
        usage = chunk.get("usage")
        if isinstance(usage, Mapping) and usage:
            self.usage = Usage(int(usage.get("prompt_tokens") or 0),
                               int(usage.get("completion_tokens") or 0))
        choices = chunk.get("choices") or []
        if not choices:
            return []
        choice = choices[0]
        if choice.get("finish_reason"):
            self.finish_reason = str(choice["finish_reason"])
        delta = choice.get("delta") or {}
        out: list[Delta] = []
        thinking = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(thinking, str) and thinking:
            out.append(ThinkingDelta(thinking))
        content = delta.get("content")
        if isinstance(content, str) and content:
            self.text_parts.append(content)
            out.append(TextDelta(content))
        for call in delta.get("tool_calls") or ():
            function = call.get("function") or {}
            out.append(ToolCallDelta(int(call.get("index") or 0), call.get("id") or None,
                                     function.get("name") or None,
                                     function.get("arguments") or ""))
        return out

    def end(self, fallback_usage: Usage | None = None) -> StreamEnd:
        """The final delta (``fallback_usage`` when the stream reported none)."""
        return StreamEnd(self.finish_reason or "stop", self.usage or fallback_usage, self.id)
