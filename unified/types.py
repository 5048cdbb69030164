"""Canonical request and response: what every backend takes and gives.

These are plain frozen dataclasses, independent of DSPy's internals, so backends,
feature layers and the parity harness all speak one vocabulary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Message", "LMRequest", "Usage", "LMResponse", "BackendIdentity", "canonical_json"]


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the one canonical text of a value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


@dataclass(frozen=True)
class Message:
    """One chat message: ``role`` is ``user``, ``assistant`` or ``system``."""

    role: str
    content: str

    def to_dict(self) -> dict[str, str]:
        """The OpenAI-shaped ``{"role", "content"}`` dict."""
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class LMRequest:
    """A canonical completion request.

    ``system`` holds the system prompt apart from ``messages`` (Bedrock and Anthropic
    want it so); ``params`` holds sampling parameters (``temperature``, ``max_tokens``,
    ``top_p``, ``stop``, …) with ``None`` values already dropped.
    """

    model: str
    messages: tuple[Message, ...]
    system: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The object this request was translated from (e.g. DSPy's ``lm15.Request``), for
    #: a backend that can pass it straight on; never compared, hashed or serialised.
    source: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", tuple(self.messages))
        object.__setattr__(self, "params",
                           {k: v for k, v in dict(self.params).items() if v is not None})

    @property
    def last_user_text(self) -> str:
        """The content of the last user message ('' when there is none)."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return ""

    def chat_messages(self) -> list[dict[str, str]]:
        """OpenAI-style messages with the system prompt first, when there is one."""
        head = [{"role": "system", "content": self.system}] if self.system else []
        return head + [m.to_dict() for m in self.messages]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole request."""
        return {"model": self.model, "system": self.system,
                "messages": [m.to_dict() for m in self.messages], "params": dict(self.params)}

    def canonical(self) -> str:
        """Canonical JSON of the whole request (stable across runs and processes)."""
        return canonical_json(self.to_dict())


@dataclass(frozen=True)
class Usage:
    """Token counts of one call."""

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class BackendIdentity:
    """What distinguishes one backend endpoint from another: used in cache keys.

    Never holds credentials.
    """

    kind: str
    endpoint: str
    model: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "endpoint": self.endpoint, "model": self.model}


@dataclass(frozen=True)
class LMResponse:
    """A canonical completion response."""

    text: str
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    raw: Any = None
    backend: str = ""
    endpoint: str = ""
    model: str = ""
    cache_hit: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (without ``raw``), the form stored in the cache."""
        return {"text": self.text, "finish_reason": self.finish_reason,
                "usage": {"input_tokens": self.usage.input_tokens,
                          "output_tokens": self.usage.output_tokens},
                "backend": self.backend, "endpoint": self.endpoint, "model": self.model}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LMResponse:
        """Inverse of :meth:`to_dict`; raises ``KeyError``/``TypeError`` on bad data."""
        usage = data.get("usage") or {}
        text = data["text"]
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        return cls(text=text, finish_reason=str(data.get("finish_reason", "stop")),
                   usage=Usage(int(usage.get("input_tokens", 0)),
                               int(usage.get("output_tokens", 0))),
                   backend=str(data.get("backend", "")),
                   endpoint=str(data.get("endpoint", "")), model=str(data.get("model", "")))
