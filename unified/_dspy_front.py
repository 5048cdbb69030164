"""The front lookup: a pipeline memory-cache hit answered from DSPy's prepared call.

A hit that takes the whole route pays for everything a miss pays for before the cache
answers: DSPy's engine route (its ``lm15.Request`` built from the call, the engine
attempt, pricing), the request translation and the cache key. DSPy's own cache answers
right after preparing the call, from a key of the call's legacy form. The front does
the same for the pipeline's cache, without a second source of answers:

- **learned** from the whole route only: when one DSPy call was answered by the
  pipeline's memory cache (its one engine request a ``hit``), the front remembers
  DSPy's result of that call, the canonical request, the hit response, the canonical
  cache key and the very stored value the hit was built from;
- **served** only while the pipeline's memory cache still holds that stored value,
  fresh: ``clear()``, the TTL, eviction or a new answer stored under the key send the
  call down the whole route again. Serving touches the entry as a hit does (most
  recently used) and records the call in the metrics layer exactly as a hit is
  recorded (the same record, so listeners see the same); the result is a copy of the
  learned one (what the whole route returns for a hit: zero usage, the same outputs);
- **keyed** on DSPy's own key material of the call (``PreparedCall.legacy``: model,
  rendered messages, every merged keyword argument, the rollout id) serialised by
  ``orjson`` with sorted keys (a value it cannot serialise keeps the call off the
  front), plus the LM's ``model_type`` and the ``rollout()`` salt; an entry serves
  only a call whose legacy form is equal to the one it was learned from. The
  pipeline's own cache identity (endpoint, model, validation rules) is fixed per
  front: one front per engine, one engine per pipeline;
- **out of the way** for whatever the whole route treats differently: an explicit
  ``lm15.Request`` call, ``n`` > 1, ``cache=False``, a ``bypass_cache()`` block,
  streaming, ``prompt_cache``, telemetry on (its spans must see every call), a stack
  whose outermost layers are not metrics then cache, and a truncated answer (DSPy
  logs a warning on each such call).
"""

from __future__ import annotations

import dataclasses
import threading
from contextvars import ContextVar
from typing import Any

from ._features.cache import Cached, ResponseCache, as_hit
from ._features.metrics import Metered
from ._scope import current
from ._types import LMRequest, LMResponse

__all__ = ["Front", "SEEN", "MAX_ENTRIES"]

#: The engine requests of the current DSPy call and the pipeline's responses to them,
#: noted by the engine while the call may teach the front (None otherwise).
SEEN: ContextVar[list[tuple[LMRequest, LMResponse]] | None] = ContextVar(
    "unified_dspy_front_seen", default=None)

#: At most this many calls are remembered per front (and never more than the memory
#: cache holds); the oldest learned is forgotten first.
MAX_ENTRIES = 1024


@dataclasses.dataclass(frozen=True)
class _Entry:
    legacy: dict[str, Any]
    key: str
    value: dict[str, Any]
    request: LMRequest
    response: LMResponse
    result: Any


def _fresh(value: Any) -> Any:
    """A copy of the mutable containers in ``value`` (dict subclasses keep their type)."""
    if isinstance(value, dict):
        return type(value)((k, _fresh(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


def _copy(result: Any) -> Any:
    """A DSPy ``CallResult`` sharing nothing mutable with ``result``."""
    return dataclasses.replace(result, outputs=_fresh(result.outputs),
                               usage=_fresh(result.usage),
                               cost_details=_fresh(result.cost_details))


class Front:
    """The front of one pipeline's memory cache for one engine (see module doc)."""

    def __init__(self, pipeline: Any, max_entries: int = MAX_ENTRIES) -> None:
        import orjson  # DSPy's own dependency (its cache keys), needed only with DSPy

        self._dumps, self._sorted = orjson.dumps, orjson.OPT_SORT_KEYS
        stack = getattr(pipeline, "stack", None)
        cached = stack.inner if isinstance(stack, Metered) else None
        self._metered: Metered | None = stack if isinstance(cached, Cached) else None
        self._store: ResponseCache | None = cached.store if isinstance(cached, Cached) else None
        memory = self._store.config.memory_entries if self._store is not None else 0
        self._max = min(max_entries, memory)
        if self._max <= 0:
            self._metered = None
        #: Whether this front can ever answer (its pipeline's stack has metrics then a
        #: memory cache outermost).
        self.active = self._metered is not None
        self._entries: dict[tuple[bytes, str, str | None], _Entry] = {}
        self._lock = threading.Lock()

    def key(self, lm: Any, call: Any) -> tuple[bytes, str, str | None] | None:
        """The front key of DSPy's prepared ``call`` of ``lm``; None when the call
        stays off the front."""
        metered = self._metered
        if (metered is None or call.request is not None or call.n != 1 or not call.managed
                or metered.on_record is not None or call.kwargs.get("cache") is False):
            return None
        legacy = call.legacy
        if legacy.get("prompt_cache") is not None:
            return None
        import dspy

        if dspy.settings.get("send_stream") is not None:
            return None
        bypass, salt = current()
        if bypass:
            return None
        try:
            blob = self._dumps(legacy, option=self._sorted)
        except TypeError:
            return None
        return blob, lm.model_type, salt

    def serve(self, lm: Any, call: Any) -> Any:
        """DSPy's result of ``call`` (a copy of the learned one), recorded as a hit;
        None when the front cannot answer it."""
        if not self._entries:
            return None
        key = self.key(lm, call)
        entry = self._entries.get(key) if key is not None else None
        if entry is None or entry.legacy != call.legacy:
            return None
        metered, store = self._metered, self._store
        start = metered._clock()  # type: ignore[union-attr]  # the layer's own clock
        if store.in_memory(entry.key) is not entry.value:  # type: ignore[union-attr]
            self._entries.pop(key, None)  # type: ignore[arg-type]
            return None
        metered.finish(entry.request, start, entry.response, None)  # type: ignore[union-attr]
        return _copy(entry.result)

    def learn(self, lm: Any, call: Any, seen: list[tuple[LMRequest, LMResponse]],
              result: Any) -> None:
        """Remember ``result`` when ``call`` was one engine request answered by the
        memory cache (see module doc)."""
        if len(seen) != 1 or len(getattr(result, "responses", ())) != 1 or result.cache_hit:
            return
        request, response = seen[0]
        trace = response.trace
        if trace is None or trace.cache != "hit" or result.responses[0].finish_reason == "length":
            return
        key = self.key(lm, call)
        if key is None:
            return
        store = self._store
        cache_key = store.key_for(request)  # type: ignore[union-attr]
        value = store.in_memory(cache_key)  # type: ignore[union-attr]
        if value is None or as_hit(value) != response:
            return      # no longer the stored value that answered (cleared, replaced)
        entry = _Entry(call.legacy, cache_key, value, request, response, _copy(result))
        with self._lock:
            entries = self._entries
            entries.pop(key, None)
            while len(entries) >= self._max:
                del entries[next(iter(entries))]
            entries[key] = entry
