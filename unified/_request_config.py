"""The structured settings of a canonical request: tools, tool choice, reasoning,
prompt caching, and the per-call options DSPy does not put in its request.

Frozen dataclasses with ``to_dict`` (JSON-ready, used in cache keys and the disk
cache). Flat sampling settings (``temperature``, ``max_tokens``, ``stop``, ``seed``,
``logprobs``, ``response_format``, …) live in ``LMRequest.params`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ToolSpec", "ToolChoice", "Reasoning", "PromptCache", "CallOptions"]


class _AsDict:
    """``to_dict()`` of a flat dataclass."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: a function with a JSON-schema ``parameters`` object,
    or (``builtin=True``) a provider-native tool with its ``config``."""

    name: str
    description: str | None = None
    parameters: Mapping[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}})
    builtin: bool = False
    config: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        if self.builtin:
            return {"type": "builtin", "name": self.name,
                    "config": None if self.config is None else dict(self.config)}
        return {"type": "function", "name": self.name, "description": self.description,
                "parameters": dict(self.parameters)}


@dataclass(frozen=True)
class ToolChoice(_AsDict):
    """How the model should use tools: ``mode`` auto/required/none, optionally only
    the ``allowed`` names, and whether calls may run in ``parallel``."""

    mode: str = "auto"
    allowed: tuple[str, ...] = ()
    parallel: bool | None = None


@dataclass(frozen=True)
class Reasoning(_AsDict):
    """Hidden thinking before the answer: ``effort`` (off, minimal, low, medium, high,
    xhigh, max — DSPy's ``reasoning_effort``), a token ``thinking_budget`` and the
    ``summary`` visibility."""

    effort: str
    thinking_budget: int | None = None
    summary: str | None = None


@dataclass(frozen=True)
class PromptCache(_AsDict):
    """Provider-side prompt caching intent (DSPy's ``prompt_cache`` / lm15 CacheConfig)."""

    mode: str = "auto"
    retention: str | None = None
    key: str | None = None
    prefix_until_index: int | None = None
    prefix: str | None = None
    resource: str | None = None


@dataclass(frozen=True)
class CallOptions:
    """Per-call options that change which answer a call gets, carried in the request.

    ``rollout_id`` (DSPy's: BestOfN/Refine rollouts, ``lm.copy(rollout_id=…)``) and
    ``candidate``/``n`` (the index of this completion among DSPy's ``n`` candidates,
    which DSPy requests one by one from a custom engine) are part of the cache key, as
    in DSPy's own cache; ``cache=False`` (DSPy's per-call ``cache=False``) neither
    reads nor writes the response cache. ``salt`` (the ``rollout()`` block of a user's
    program) salts the cache key on its own.
    """

    rollout_id: Any = None
    candidate: int | None = None
    n: int | None = None
    cache: bool = True
    salt: str | None = None

    def key(self) -> tuple[Any, ...] | None:
        """What the cache key takes from these options (None when all default)."""
        if self.rollout_id is None and self.candidate is None and self.n is None:
            return None
        return (repr(self.rollout_id), self.candidate, self.n)


DEFAULT_OPTIONS = CallOptions()
