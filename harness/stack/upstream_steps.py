"""What a :class:`harness.stack.upstream.ScriptedUpstream` is scripted with, and what it
records: the steps (:class:`Reply`, :class:`Fault`, or a plain ``str`` for ``Reply(str)``),
the default responder and the text helpers its answers are computed from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CREATED", "FAULT_KINDS", "Fault", "RecordedRequest", "Reply", "Responder", "Step",
           "echo_responder", "last_user_text", "prompt_tokens", "text_of"]

CREATED = 1700000000
FAULT_KINDS = (None, "reset", "broken_json", "html", "no_choices", "empty", "length", "timeout",
               "drop")


@dataclass(frozen=True)
class Reply:
    """A successful chat completion: ``content``, ``finish_reason`` and optional usage overrides.

    ``tool_calls`` (``[{"id", "name", "arguments"}]``, arguments a dict) are sent as the
    message's OpenAI ``tool_calls``; ``reasoning`` as ``reasoning_content``; ``refusal``
    as ``refusal``; ``logprobs`` verbatim as the choice's ``logprobs``. ``usage`` may hold
    OpenAI's nested ``prompt_tokens_details`` / ``completion_tokens_details``.
    """

    content: str
    finish_reason: str = "stop"
    usage: dict[str, Any] | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()
    reasoning: str | None = None
    refusal: str | None = None
    logprobs: dict[str, Any] | None = None
    #: Stream chunk boundaries (joined they must equal ``content``); None: one per word.
    chunks: tuple[str, ...] | None = None
    #: Seconds between two content chunks of a stream.
    chunk_delay: float = 0.0

    def message(self) -> dict[str, Any]:
        """The OpenAI ``choices[0].message`` of this reply."""
        from .rich_answers import openai_message

        return openai_message(self)


@dataclass(frozen=True)
class Fault:
    """A failure to serve instead of an answer.

    ``kind`` None: ``status`` with an OpenAI-style JSON error body (or ``body``), plus a
    ``Retry-After`` header when ``retry_after`` is set. Other kinds: ``reset`` (headers and
    half a body, then the connection is cut), ``broken_json`` (200, invalid JSON), ``html``
    (``status`` with a text/html page), ``no_choices`` (200 JSON without choices), ``empty``
    (200, content ""), ``length`` (200, finish_reason "length", content cut in half),
    ``timeout`` (wait ``delay`` seconds, then answer normally), ``drop`` (a stream of
    ``body`` when set, else the normal answer, cut after ``after_chunks`` content chunks;
    without ``stream`` the same as ``reset``).
    ``delay`` applies to every kind.
    """

    status: int = 500
    retry_after: str | None = None
    body: str | None = None
    delay: float = 0.0
    kind: str | None = None
    after_chunks: int = 0
    chunk_delay: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")


Step = Reply | Fault | str
Responder = Callable[[dict[str, Any]], Step]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received: ``headers`` lower-cased, ``json`` parsed (None if not JSON)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    raw: bytes = b""


def text_of(content: Any) -> str:
    """The text of a message ``content``: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def last_user_text(request_json: Mapping[str, Any]) -> str:
    """The text of the last ``user`` message of a chat request ("" when there is none)."""
    for message in reversed(request_json.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return text_of(message.get("content"))
    return ""


def echo_responder(request_json: dict[str, Any]) -> Step:
    """The default responder: ``Reply("echo: <last user message>")``."""
    return Reply(f"echo: {last_user_text(request_json)}")


def prompt_tokens(request_json: Mapping[str, Any]) -> int:
    """Whitespace-separated words over every message of a chat request (the scripted usage)."""
    messages = request_json.get("messages") or []
    return sum(len(text_of(m.get("content")).split()) for m in messages if isinstance(m, dict))
