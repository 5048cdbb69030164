"""Streaming for the Bedrock backend: ``converse_stream`` events -> canonical deltas.

Mixed into :class:`~unified._backends.bedrock.BedrockBackend`. The call takes the same
arguments as ``converse``; botocore decodes the AWS event stream and each event is
mapped as it arrives (:func:`event_deltas`): ``contentBlockStart`` with ``toolUse``
opens tool call ``contentBlockIndex`` (id, name), ``contentBlockDelta`` carries
``text`` (TextDelta), ``reasoningContent.text`` (ThinkingDelta) or ``toolUse.input``
(a ToolCallDelta fragment), ``messageStop`` the stop reason and ``metadata`` the
usage. An exception event mid-stream (``modelStreamErrorException``,
``throttlingException``, …) raises as ``EventStreamError`` and maps through the
backend's error table (the code's first letter capitalised); a stream that ends
without ``messageStop`` is a ``ConnectionError``. ``bedrock_api="invoke"`` streams as
one chunk (the legacy Anthropic body is not streamed here).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._classify import cause_for
from .._errors import ConnectionError
from .._stream import Delta, StreamEnd, TextDelta, ThinkingDelta, ToolCallDelta, response_deltas
from .._types import LMRequest, Usage
from .base import count_tokens, prompt_tokens

__all__ = ["BedrockStreaming", "BedrockStreamState", "event_deltas"]

_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
                 "tool_use": "tool_calls", "content_filtered": "content_filter",
                 "guardrail_intervened": "content_filter"}


@dataclass
class BedrockStreamState:
    """What one stream has said so far (stop reason, usage, text, tool-call blocks)."""

    stop_reason: str | None = None
    usage: Usage | None = None
    text: list[str] = field(default_factory=list)
    tools: dict[int, int] = field(default_factory=dict)   # block index -> call number


def event_deltas(event: Mapping[str, Any], state: BedrockStreamState) -> list[Delta]:
    """The deltas of one decoded Converse stream event."""
    if "contentBlockStart" in event:
        start = event["contentBlockStart"]
        tool = (start.get("start") or {}).get("toolUse")
        if tool:
            number = state.tools.setdefault(int(start.get("contentBlockIndex", 0)),
                                            len(state.tools))
            return [ToolCallDelta(number, tool.get("toolUseId"), tool.get("name"))]
        return []
    if "contentBlockDelta" in event:
        block = event["contentBlockDelta"]
        delta = block.get("delta") or {}
        if isinstance(delta.get("text"), str):
            state.text.append(delta["text"])
            return [TextDelta(delta["text"])] if delta["text"] else []
        reasoning = delta.get("reasoningContent") or {}
        if isinstance(reasoning.get("text"), str):
            return [ThinkingDelta(reasoning["text"])]
        tool = delta.get("toolUse")
        if tool:
            number = state.tools.setdefault(int(block.get("contentBlockIndex", 0)),
                                            len(state.tools))
            return [ToolCallDelta(number, arguments=str(tool.get("input") or ""))]
        return []
    if "messageStop" in event:
        reason = str(event["messageStop"].get("stopReason") or "end_turn")
        state.stop_reason = _STOP_REASONS.get(reason, reason)
    elif "metadata" in event:
        usage = event["metadata"].get("usage") or {}
        state.usage = Usage(int(usage.get("inputTokens") or 0),
                            int(usage.get("outputTokens") or 0))
    return []


class BedrockStreaming:
    """``stream`` of the Bedrock backend (``astream``: read in a worker thread, the
    :class:`~unified._backends.base.BaseBackend` default; boto3 is blocking)."""

    kind: str
    api: str
    _bedrock_client: Any
    converse_kwargs: Any
    complete: Any
    _map_error: Any
    _secrets: Any
    _where: Any

    def stream(self, request: LMRequest) -> Iterator[Delta]:
        """Deltas as Bedrock's Converse stream events arrive."""
        if self.api == "invoke":
            yield from response_deltas(self.complete(request))
            return
        state = BedrockStreamState()
        try:
            answer = self._bedrock_client().converse_stream(**self.converse_kwargs(request))
            for event in answer["stream"]:
                yield from event_deltas(event, state)
        except Exception as exc:
            mapped = self._map_error(_capitalised(exc))
            if mapped is None:
                raise
            raise mapped from cause_for(exc, self._secrets())
        if state.stop_reason is None:
            raise ConnectionError(f"bedrock: stream from {self._where()} ended before "
                                  "messageStop", backend=self.kind, endpoint=self._where())
        yield StreamEnd(state.stop_reason, state.usage or Usage(
            prompt_tokens(request), count_tokens("".join(state.text))))


def _capitalised(exc: Exception) -> Exception:
    """An event-stream error's code as the error table names it (``throttlingException``
    -> ``ThrottlingException``)."""
    response = getattr(exc, "response", None)
    error = response.get("Error") if isinstance(response, dict) else None
    if isinstance(error, dict) and isinstance(error.get("Code"), str) and error["Code"]:
        error["Code"] = error["Code"][0].upper() + error["Code"][1:]
    return exc
