"""What the moto bedrock-runtime extension (:mod:`harness.stack.moto_bedrock`) answers
with, and what it records: :class:`BedrockScript` queues :class:`BedrockReply` /
:class:`BedrockFault` steps (a plain ``str`` is short for ``BedrockReply(str)``), then
asks its ``responder`` (default: echo of the last user text), and keeps every
:class:`BedrockCall`. Scripted like :mod:`harness.stack.upstream_steps`."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BedrockCall", "BedrockFault", "BedrockReply", "BedrockScript", "BedrockStep",
           "DEFAULT_STATUS", "echo_responder", "last_user_text", "prompt_tokens"]

#: HTTP status each Bedrock error code is sent with unless ``BedrockFault.status`` says otherwise.
DEFAULT_STATUS: dict[str, int] = {
    "ThrottlingException": 429, "ServiceUnavailableException": 503,
    "ModelTimeoutException": 408, "InternalServerException": 500,
    "AccessDeniedException": 403, "ValidationException": 400,
    "ResourceNotFoundException": 404, "ModelNotReadyException": 429,
    "ModelErrorException": 424, "ServiceQuotaExceededException": 400,
}

@dataclass(frozen=True)
class BedrockReply:
    """A successful answer; token counts default to whitespace counts of prompt and text.

    ``tool_calls`` (``[{"id", "name", "arguments"}]``) become ``toolUse`` blocks (Converse)
    or ``tool_use`` blocks (Anthropic body); ``thinking`` a ``reasoningContent`` block
    (Converse) or a ``thinking`` block, signed with ``thinking_signature``.
    """

    text: str
    stop_reason: str = "end_turn"
    input_tokens: int | None = None
    output_tokens: int | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()
    thinking: str | None = None
    thinking_signature: str = "sig-recorded"
    #: ``converse_stream`` chunk boundaries (None: one per word).
    chunks: tuple[str, ...] | None = None
    #: ``converse_stream`` fails with an exception event after this many chunks.
    fail_after: int | None = None
    #: Seconds between ``converse_stream`` chunks (moto server mode only).
    chunk_delay: float = 0.0

    def converse_content(self) -> list[dict[str, Any]]:
        """The Converse ``output.message.content`` blocks of this reply."""
        from .rich_answers import converse_content

        return converse_content(self)

    def anthropic_content(self) -> list[dict[str, Any]]:
        """The Anthropic messages ``content`` blocks of this reply (``invoke_model``)."""
        from .rich_answers import anthropic_content

        return anthropic_content(self)


@dataclass(frozen=True)
class BedrockFault:
    """An error response: boto3 raises ``ClientError`` with ``code`` (HTTP ``http_status``)."""

    code: str = "ThrottlingException"
    message: str = "Rate exceeded (scripted)"
    status: int | None = None

    @property
    def http_status(self) -> int:
        """``status``, or the usual status of ``code`` (400 for unknown codes)."""
        return self.status if self.status is not None else DEFAULT_STATUS.get(self.code, 400)


@dataclass(frozen=True)
class BedrockCall:
    """One call as received: ``operation`` ("converse"/"invoke_model"), model id and body."""

    operation: str
    model_id: str
    body: Any = field(default=None)


BedrockStep = BedrockReply | BedrockFault | str


def _texts(content: Any) -> list[str]:
    """Text pieces of a Converse/Anthropic ``content`` (a string or a list of blocks)."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str)]
    return []


def _messages_of(call: BedrockCall) -> list[Any]:
    body = call.body if isinstance(call.body, Mapping) else {}
    return list(body.get("messages") or [])


def last_user_text(call: BedrockCall) -> str:
    """The text of the last user message of a call (Converse or Anthropic messages body)."""
    for message in reversed(_messages_of(call)):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return " ".join(_texts(message.get("content")))
    body = call.body if isinstance(call.body, Mapping) else {}
    return str(body.get("prompt") or body.get("inputText") or "")


def prompt_tokens(call: BedrockCall) -> int:
    """Whitespace token count of every message and system text of a call."""
    body = call.body if isinstance(call.body, Mapping) else {}
    pieces = _texts(body.get("system"))
    for message in _messages_of(call):
        if isinstance(message, Mapping):
            pieces += _texts(message.get("content"))
    return sum(len(p.split()) for p in pieces)


def echo_responder(call: BedrockCall) -> BedrockStep:
    """The default responder: ``BedrockReply("echo: <last user text>")``."""
    return BedrockReply(f"echo: {last_user_text(call)}")


class BedrockScript:
    """What the stubbed bedrock-runtime answers, and a record of what it was asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[BedrockStep] = deque()
        self._calls: list[BedrockCall] = []
        self._counter = 0
        self.responder: Callable[[BedrockCall], BedrockStep] = echo_responder
        #: When each paced ``converse_stream`` chunk was sent (``time.perf_counter()``).
        self.sent: list[float] = []

    def script(self, *steps: BedrockStep) -> BedrockScript:
        """Queue steps; each call consumes one before the responder is asked."""
        with self._lock:
            self._queue.extend(steps)
        return self

    @property
    def calls(self) -> list[BedrockCall]:
        """A copy of every call received so far."""
        with self._lock:
            return list(self._calls)

    @property
    def pending(self) -> int:
        """How many scripted steps are still queued."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Clear the queue, the calls and the id counter; restore the echo responder."""
        with self._lock:
            self._queue.clear()
            self._calls.clear()
            self._counter = 0
            self.responder = echo_responder

    def answer(self, call: BedrockCall) -> tuple[BedrockReply, int, int, int]:
        """Record ``call`` and decide: (reply, input tokens, output tokens, sequence number).

        Raises the fault as an HTTP error that moto serializes for boto3.
        """
        with self._lock:
            self._calls.append(call)
            step = self._queue.popleft() if self._queue else None
            self._counter += 1
            number = self._counter
        if step is None:
            step = self.responder(call)
        if isinstance(step, str):
            step = BedrockReply(step)
        if isinstance(step, BedrockFault):
            raise _fault_exception(step)
        tokens_in = step.input_tokens if step.input_tokens is not None else prompt_tokens(call)
        tokens_out = (step.output_tokens if step.output_tokens is not None
                      else len(step.text.split()))
        return step, tokens_in, tokens_out, number


def _fault_exception(fault: BedrockFault) -> Exception:
    """A werkzeug HTTPException that moto's dispatcher turns into a Bedrock error response."""
    from werkzeug.exceptions import HTTPException

    class BedrockHTTPFault(HTTPException):
        code = fault.http_status
        description = json.dumps({"message": fault.message})

        def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
            return [("Content-Type", "application/json"), ("x-amzn-ErrorType", fault.code)]

    return BedrockHTTPFault()
