"""Canonical stream deltas: what a backend's ``stream``/``astream`` yields.

A stream is a sequence of deltas ending with exactly one :class:`StreamEnd`::

    TextDelta("Hel"), TextDelta("lo"), …, StreamEnd(finish_reason="stop", usage=Usage(…))

- :class:`TextDelta`: a piece of the visible answer;
- :class:`ThinkingDelta`: a piece of the reasoning trace;
- :class:`ToolCallDelta`: a piece of tool call ``index`` (``id`` and ``name`` on its
  first piece, ``arguments`` a fragment of the JSON arguments text);
- :class:`PartDelta`: a whole part that has no fragment form (citation, refusal, data);
- :class:`StreamEnd`: the finish reason, usage and response id (``None`` usage: not
  reported, estimated by the assembler).

:class:`StreamAssembler` folds deltas into the :class:`~unified._types.LMResponse` the
same call would have returned without streaming; :func:`response_deltas` is the
inverse (one delta per part), used to serve a backend that cannot stream as one
chunk; :func:`replay_deltas` replays a stored answer (a cache hit) with its text cut
after each word, so that a DSPy ``StreamListener`` sees its field markers and value
arrive as they would live.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from ._parts import Part, TextPart, ThinkingPart, ToolCallPart
from ._response import LMResponse, Usage

__all__ = ["TextDelta", "ThinkingDelta", "ToolCallDelta", "PartDelta", "StreamEnd", "Delta",
           "StreamAssembler", "response_deltas", "replay_deltas", "word_chunks", "is_content"]


@dataclass(frozen=True)
class TextDelta:
    """A fragment of the visible answer."""

    text: str


@dataclass(frozen=True)
class ThinkingDelta:
    """A fragment of the reasoning trace."""

    text: str


@dataclass(frozen=True)
class ToolCallDelta:
    """A fragment of tool call number ``index`` (``id``/``name`` when first known)."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True)
class PartDelta:
    """A whole part without a fragment form (citation, refusal, data), in order."""

    part: Part


@dataclass(frozen=True)
class StreamEnd:
    """The last delta of a stream: finish reason, usage (None: not reported), id.

    ``response`` is the whole response when the stream replays a finished one (a cache
    hit, a backend that answered in one piece): the assembler then returns it as is,
    so nothing the deltas cannot say (continuation state, logprobs) is lost.
    """

    finish_reason: str = "stop"
    usage: Usage | None = None
    id: str | None = None
    response: LMResponse | None = field(default=None, compare=False, repr=False)


Delta: TypeAlias = TextDelta | ThinkingDelta | ToolCallDelta | PartDelta | StreamEnd


def is_content(delta: Delta) -> bool:
    """Whether ``delta`` is a chunk the caller sees (anything but the end)."""
    return not isinstance(delta, StreamEnd)


@dataclass
class _Call:
    id: str | None = None
    name: str | None = None
    arguments: list[str] = field(default_factory=list)


class StreamAssembler:
    """Folds deltas into one response; ``text`` and ``chunks`` are readable mid-stream."""

    def __init__(self) -> None:
        self.chunks: list[Delta] = []
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._calls: dict[int, _Call] = {}
        self._whole: list[Part] = []
        self._order: list[str] = []       # "thinking" / "text" / "call:<i>" first seen
        self.end: StreamEnd | None = None

    @property
    def text(self) -> str:
        """The visible text received so far."""
        return "".join(self._text)

    @property
    def finished(self) -> bool:
        """Whether the :class:`StreamEnd` has arrived."""
        return self.end is not None

    def push(self, delta: Delta) -> None:
        """Add one delta."""
        if isinstance(delta, StreamEnd):
            self.end = delta
            return
        self.chunks.append(delta)
        if isinstance(delta, TextDelta):
            self._slot("text")
            self._text.append(delta.text)
        elif isinstance(delta, ThinkingDelta):
            self._slot("thinking")
            self._thinking.append(delta.text)
        elif isinstance(delta, PartDelta):
            self._order.append(f"part:{len(self._whole)}")
            self._whole.append(delta.part)
        else:
            self._slot(f"call:{delta.index}")
            call = self._calls.setdefault(delta.index, _Call())
            call.id = call.id or delta.id
            call.name = call.name or delta.name
            call.arguments.append(delta.arguments)

    def _slot(self, name: str) -> None:
        if name not in self._order:
            self._order.append(name)

    def parts(self) -> tuple[Part, ...]:
        """The message parts in order of first appearance (empty for plain text)."""
        if self._order in ([], ["text"]):
            return ()
        out: list[Part] = []
        for slot in self._order:
            if slot == "text":
                out.append(TextPart(self.text))
            elif slot == "thinking":
                out.append(ThinkingPart("".join(self._thinking)))
            elif slot.startswith("part:"):
                out.append(self._whole[int(slot.split(":", 1)[1])])
            else:
                index = int(slot.split(":", 1)[1])
                call = self._calls[index]
                out.append(ToolCallPart(call.id or f"call_{index}", call.name or "",
                                        _arguments("".join(call.arguments))))
        return tuple(out)

    def response(self, *, backend: str = "", endpoint: str = "", model: str = "",
                 usage: Usage | None = None) -> LMResponse:
        """The assembled response (``usage`` used when the end reported none)."""
        end = self.end or StreamEnd()
        if end.response is not None:
            return end.response
        return LMResponse(text=self.text, finish_reason=end.finish_reason,
                          usage=end.usage or usage or Usage(), parts=self.parts(),
                          backend=backend, endpoint=endpoint, model=model, id=end.id)


def _arguments(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {"value": value}


def response_deltas(response: LMResponse) -> list[Delta]:
    """A finished response as deltas: one per part, then its end."""
    out: list[Delta] = []
    calls = 0
    for part in response.message_parts:
        if isinstance(part, TextPart):
            if part.text:
                out.append(TextDelta(part.text))
        elif isinstance(part, ThinkingPart):
            out.append(ThinkingDelta(part.text))
        elif isinstance(part, ToolCallPart):
            out.append(ToolCallDelta(calls, part.id, part.name,
                                     json.dumps(dict(part.input), sort_keys=True)))
            calls += 1
        else:
            out.append(PartDelta(part))
    out.append(StreamEnd(response.finish_reason, response.usage, response.id, response))
    return out


_WORDS = re.compile(r"\S+\s*|\s+")


def word_chunks(text: str) -> list[str]:
    """``text`` cut after each word's trailing whitespace (joining gives ``text`` back)."""
    return _WORDS.findall(text)


def replay_deltas(response: LMResponse) -> list[Delta]:
    """A stored response as a stream: plain text one word per chunk, anything richer
    one delta per part; the end carries the whole response (nothing is lost)."""
    if response.parts:
        return response_deltas(response)
    end = StreamEnd(response.finish_reason, response.usage, response.id, response)
    return [*(TextDelta(piece) for piece in word_chunks(response.text)), end]
