"""Content parts of canonical messages: frozen, DSPy-independent, JSON round-trippable.

The vocabulary mirrors what DSPy 3.4's ``dspy.lm15`` carries, one class per kind of
content: :class:`TextPart`, :class:`MediaPart` (image, audio, video, document,
binary: ``kind`` says which), :class:`ToolCallPart`, :class:`ToolResultPart`,
:class:`ThinkingPart`, :class:`RefusalPart`, :class:`CitationPart` and
:class:`DataPart`. Every part may carry opaque provider ``continuation`` state.

``part_to_dict`` / ``part_from_dict`` give the JSON form (used by the disk cache);
``part_key`` gives what a cache key hashes: every field by value, and media by the
sha256 of their bytes (never a repr, never a truncated summary).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeAlias

__all__ = ["Continuation", "TextPart", "MediaPart", "ToolCallPart", "ToolResultPart",
           "ThinkingPart", "RefusalPart", "CitationPart", "DataPart", "Part", "MEDIA_KINDS",
           "part_to_dict", "part_from_dict", "part_key", "parts_text"]

MEDIA_KINDS = ("image", "audio", "video", "document", "binary")


@dataclass(frozen=True)
class Continuation:
    """Opaque provider state that must travel with a part or message to replay it."""

    provider: str
    kind: str
    data: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"provider": self.provider, "kind": self.kind, "data": dict(self.data)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Continuation:
        """Inverse of :meth:`to_dict`."""
        return cls(str(data["provider"]), str(data["kind"]), dict(data.get("data") or {}))


@dataclass(frozen=True)
class _Textual:
    """A part that is text and optional continuation state (three kinds share it)."""

    text: str
    continuation: tuple[Continuation, ...] = ()


class TextPart(_Textual):
    """Plain text."""

    type: ClassVar[str] = "text"

    @classmethod
    def of(cls, text: str) -> TextPart:
        """``TextPart(text)`` built without the per-field frozen ``__setattr__`` of
        ``__init__`` (a translation's hot path)."""
        part = object.__new__(cls)
        object.__setattr__(part, "__dict__", {"text": text, "continuation": ()})
        return part


@dataclass(frozen=True)
class MediaPart:
    """An image, audio clip, video, document (PDF, …) or other binary content.

    Addressed by exactly one of ``data`` (base64, or a ``data:`` URI, as DSPy sends
    it), ``url``, ``file_id`` (a provider upload) or ``path`` (a local file).
    ``detail`` applies to images only.
    """

    kind: str
    media_type: str
    data: str | None = None
    url: str | None = None
    file_id: str | None = None
    path: str | None = None
    detail: str | None = None
    continuation: tuple[Continuation, ...] = ()

    @property
    def type(self) -> str:
        """The kind of media (``image``, ``audio``, ``video``, ``document``, ``binary``)."""
        return self.kind

    @property
    def bytes(self) -> bytes:
        """The content: decoded ``data`` or the file at ``path``.

        Raises ``ValueError`` for url/file_id-addressed media (bytes live elsewhere).
        """
        if self.data is not None:
            payload = self.data.split(";base64,", 1)[1] if self.data.startswith("data:") \
                else self.data
            return base64.b64decode("".join(payload.split()))
        if self.path is not None:
            return Path(self.path).read_bytes()
        raise ValueError(f"{self.kind} part addressed by url/file_id has no local bytes")


@dataclass(frozen=True)
class ToolCallPart:
    """The model asks for a tool to be called with JSON ``input``."""

    id: str
    name: str
    input: Mapping[str, Any]
    continuation: tuple[Continuation, ...] = ()
    type: ClassVar[str] = "tool_call"


@dataclass(frozen=True)
class ToolResultPart:
    """The result of tool call ``id``, sent back to the model (``content`` are parts)."""

    id: str
    content: tuple[Part, ...]
    name: str | None = None
    is_error: bool = False
    continuation: tuple[Continuation, ...] = ()
    type: ClassVar[str] = "tool_result"


class ThinkingPart(_Textual):
    """A reasoning trace (empty text with continuation state when hidden)."""

    type: ClassVar[str] = "thinking"


class RefusalPart(_Textual):
    """The model refused; ``text`` says why."""

    type: ClassVar[str] = "refusal"


@dataclass(frozen=True)
class CitationPart:
    """A reference to source material (at least one of url, title, text)."""

    url: str | None = None
    title: str | None = None
    text: str | None = None
    continuation: tuple[Continuation, ...] = ()
    type: ClassVar[str] = "citation"


@dataclass(frozen=True)
class DataPart:
    """Structured JSON content (``probabilities``/``method`` for judgments)."""

    value: Any
    probabilities: Mapping[str, Mapping[str, float]] | None = None
    method: str | None = None
    continuation: tuple[Continuation, ...] = ()
    type: ClassVar[str] = "data"


Part: TypeAlias = (TextPart | MediaPart | ToolCallPart | ToolResultPart | ThinkingPart
                   | RefusalPart | CitationPart | DataPart)

_OPTIONAL = {"citation": ("url", "title", "text"),
             "media": ("data", "url", "file_id", "path", "detail"),
             "tool_result": ("name",), "data": ("probabilities", "method")}


def part_to_dict(part: Part) -> dict[str, Any]:
    """The JSON-ready form of ``part`` (``type`` first; unset optionals omitted)."""
    kind = part.type
    if isinstance(part, _Textual):
        out: dict[str, Any] = {"type": kind, "text": part.text}
    elif isinstance(part, MediaPart):
        out = {"type": kind, "media_type": part.media_type}
        out.update((k, getattr(part, k)) for k in _OPTIONAL["media"]
                   if getattr(part, k) is not None)
    elif isinstance(part, ToolCallPart):
        out = {"type": kind, "id": part.id, "name": part.name, "input": dict(part.input)}
    elif isinstance(part, ToolResultPart):
        out = {"type": kind, "id": part.id, "content": [part_to_dict(p) for p in part.content],
               "is_error": part.is_error}
        if part.name is not None:
            out["name"] = part.name
    elif isinstance(part, CitationPart):
        out = {"type": kind}
        out.update((k, getattr(part, k)) for k in _OPTIONAL["citation"]
                   if getattr(part, k) is not None)
    elif isinstance(part, DataPart):
        out = {"type": kind, "value": part.value}
        out.update((k, getattr(part, k)) for k in _OPTIONAL["data"]
                   if getattr(part, k) is not None)
    else:
        raise TypeError(f"not a canonical part: {type(part).__name__}")
    if part.continuation:
        out["continuation"] = [c.to_dict() for c in part.continuation]
    return out


def part_from_dict(data: Mapping[str, Any]) -> Part:
    """Inverse of :func:`part_to_dict`; raises ``KeyError``/``TypeError``/``ValueError``."""
    kind = data["type"]
    cont = tuple(Continuation.from_dict(c) for c in data.get("continuation") or ())
    if kind in ("text", "thinking", "refusal"):
        text = data["text"]
        if not isinstance(text, str):
            raise TypeError(f"{kind} part text must be a string")
        if kind == "text":
            return TextPart(text, cont)
        return ThinkingPart(text, cont) if kind == "thinking" else RefusalPart(text, cont)
    if kind in MEDIA_KINDS:
        return MediaPart(kind, str(data["media_type"]),
                         **{k: data.get(k) for k in _OPTIONAL["media"]}, continuation=cont)
    if kind == "tool_call":
        return ToolCallPart(str(data["id"]), str(data["name"]), dict(data["input"]), cont)
    if kind == "tool_result":
        return ToolResultPart(str(data["id"]), tuple(part_from_dict(p) for p in data["content"]),
                              data.get("name"), bool(data.get("is_error", False)), cont)
    if kind == "citation":
        return CitationPart(**{k: data.get(k) for k in _OPTIONAL["citation"]}, continuation=cont)
    if kind == "data":
        return DataPart(data["value"], data.get("probabilities"), data.get("method"), cont)
    raise ValueError(f"unknown part type {kind!r}")


def part_key(part: Part) -> Any:
    """What a cache key hashes for ``part``: every field by value, media by content.

    A plain text part is its string (the cheap, common case). Media bytes (inline
    data or a local file) are hashed with sha256; url/file_id address the content.
    """
    if type(part) is TextPart and not part.continuation:
        return part.text
    if isinstance(part, MediaPart):
        digest = (hashlib.sha256(part.bytes).hexdigest()
                  if part.data is not None or part.path is not None else None)
        return ("media", part.kind, part.media_type, digest, part.url, part.file_id,
                part.detail, tuple((c.provider, c.kind, _frozen(c.data))
                                   for c in part.continuation))
    if isinstance(part, ToolResultPart):
        return ("tool_result", part.id, part.name, part.is_error,
                tuple(part_key(p) for p in part.content),
                tuple((c.provider, c.kind, _frozen(c.data)) for c in part.continuation))
    return _frozen(part_to_dict(part))


def _frozen(value: Any) -> Any:
    """A repr-stable form of JSON-like data: dicts as sorted item tuples."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def parts_text(parts: tuple[Part, ...]) -> str:
    """The text parts joined by newlines (what DSPy's ``Message.text`` joins)."""
    if len(parts) == 1 and type(parts[0]) is TextPart:
        return parts[0].text
    return "\n".join(p.text for p in parts if type(p) is TextPart)
