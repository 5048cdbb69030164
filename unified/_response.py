"""The canonical response and its token usage (re-exported by :mod:`unified._types`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from ._logprobs import TokenLogprob, logprobs_from_json, logprobs_to_json
from ._parts import (
    CitationPart,
    Continuation,
    Part,
    RefusalPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    part_from_dict,
    part_to_dict,
    parts_text,
)

if TYPE_CHECKING:  # pragma: no cover
    from ._trace import CallTrace

__all__ = ["Usage", "LMResponse"]


@dataclass(frozen=True)
class Usage:
    """Token counts of one call: ``cached_tokens`` are input tokens read from the
    provider's prompt cache; ``reasoning_tokens`` the thinking share of the output
    (``None`` = not reported). ``reported_total`` is the provider's own total."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    input_audio_tokens: int | None = None
    output_audio_tokens: int | None = None
    reported_total: int | None = None

    @classmethod
    def counted(cls, input_tokens: int, output_tokens: int) -> Usage:
        """``Usage(input_tokens, output_tokens)`` built without the per-field frozen
        ``__setattr__`` of ``__init__`` (a backend's hot path)."""
        values = _UNREPORTED.copy()
        values["input_tokens"] = input_tokens
        values["output_tokens"] = output_tokens
        usage = object.__new__(cls)
        object.__setattr__(usage, "__dict__", values)
        return usage

    @property
    def total_tokens(self) -> int:
        """The provider's total when reported, else input plus output tokens."""
        if self.reported_total is not None:
            return self.reported_total
        return self.input_tokens + self.output_tokens

    def to_dict(self) -> dict[str, int]:
        """JSON-ready form (unreported counters omitted), in field order."""
        return {name: value for name, value in self.__dict__.items() if value is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Usage:
        """Inverse of :meth:`to_dict`."""
        return cls(**{f.name: int(data[f.name]) for f in fields(cls)
                      if data.get(f.name) is not None})


#: The counts of a :class:`Usage` a backend's estimate leaves unreported.
_UNREPORTED: dict[str, Any] = {f.name: f.default for f in fields(Usage)}


@dataclass(frozen=True)
class LMResponse:
    """A canonical completion response (see the module docstring).

    ``text`` is the visible answer (the text parts joined); when ``parts`` is given
    and ``text`` is empty, ``text`` is computed from the parts.
    """

    text: str = ""
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    raw: Any = None
    backend: str = ""
    endpoint: str = ""
    model: str = ""
    cache_hit: bool = False
    parts: tuple[Part, ...] = ()
    logprobs: tuple[TokenLogprob, ...] | None = None
    id: str | None = None
    #: Provider state of the whole assistant message (to replay it), as in lm15.
    continuation: tuple[Continuation, ...] = ()
    #: What the stack's layers learned producing it (:mod:`unified._trace`); never
    #: stored, compared or hashed.
    trace: CallTrace | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.parts:
            object.__setattr__(self, "parts", tuple(self.parts))
            if not self.text:
                object.__setattr__(self, "text", parts_text(self.parts))

    @property
    def message_parts(self) -> tuple[Part, ...]:
        """The whole assistant message: ``parts``, or the text as one part."""
        return self.parts or (TextPart(self.text),)

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        """The tool calls the model asked for."""
        return [p for p in self.parts if isinstance(p, ToolCallPart)]

    @property
    def thinking(self) -> list[ThinkingPart]:
        """The reasoning traces."""
        return [p for p in self.parts if isinstance(p, ThinkingPart)]

    @property
    def citations(self) -> list[CitationPart]:
        """The citations."""
        return [p for p in self.parts if isinstance(p, CitationPart)]

    @property
    def refusal(self) -> str | None:
        """The refusal text, when the model refused."""
        found = [p.text for p in self.parts if isinstance(p, RefusalPart)]
        return "\n".join(found) if found else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (without ``raw``), the form stored in the cache."""
        out: dict[str, Any] = {"text": self.text, "finish_reason": self.finish_reason,
                               "usage": self.usage.to_dict(), "backend": self.backend,
                               "endpoint": self.endpoint, "model": self.model}
        if self.parts:
            out["parts"] = [part_to_dict(p) for p in self.parts]
        if self.logprobs is not None:
            out["logprobs"] = logprobs_to_json(self.logprobs)
        if self.id is not None:
            out["id"] = self.id
        if self.continuation:
            out["continuation"] = [c.to_dict() for c in self.continuation]
        return out

    @classmethod
    def of_text(cls, text: str, finish_reason: str, usage: Usage, *, raw: Any = None,
                backend: str = "", endpoint: str = "", model: str = "") -> LMResponse:
        """``LMResponse(text=…, …)`` of a text-only answer (no parts), built without the
        per-field frozen ``__setattr__`` of ``__init__`` (a backend's hot path)."""
        values = _TEXT_DEFAULTS.copy()
        values.update(text=text, finish_reason=finish_reason, usage=usage, raw=raw,
                      backend=backend, endpoint=endpoint, model=model)
        response = object.__new__(cls)
        object.__setattr__(response, "__dict__", values)
        return response

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LMResponse:
        """Inverse of :meth:`to_dict`; raises ``KeyError``/``TypeError`` on bad data."""
        text = data["text"]
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        parts = tuple(part_from_dict(p) for p in data.get("parts") or ())
        logprobs = data.get("logprobs")
        return cls(text=text, finish_reason=str(data.get("finish_reason", "stop")),
                   usage=Usage.from_dict(data.get("usage") or {}),
                   backend=str(data.get("backend", "")),
                   endpoint=str(data.get("endpoint", "")), model=str(data.get("model", "")),
                   parts=parts, id=data.get("id"),
                   continuation=tuple(Continuation.from_dict(c)
                                      for c in data.get("continuation") or ()),
                   logprobs=None if logprobs is None else logprobs_from_json(logprobs))


#: Every other field of a text-only :class:`LMResponse` (see :meth:`LMResponse.of_text`).
_TEXT_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(LMResponse)
                                  if f.name not in ("text", "finish_reason", "usage")}
