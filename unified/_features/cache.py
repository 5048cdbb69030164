"""The cache layer: memory LRU in front of an optional disk store.

Key = sha256 over every part of the request: model, system prompt, each message's
role and parts (text by value; images, audio and files by the sha256 of their bytes;
tool calls, tool results, thinking and the rest by value), every tool's JSON schema,
tool choice, reasoning settings, prompt-cache settings, every param, the per-call
options (DSPy's ``rollout_id`` and the candidate index among ``n``), the identity of
the backend that answers (kind, endpoint/base URL/region, model), the validation
rules in force and the ``rollout`` salt. Credentials are never part of a request or
an identity, so never part of a key.

The :class:`Cached` layer sits outside validation and retry (see
:func:`unified._stack.build_stack`): a hit costs no attempt, and only answers that came
back through validation are stored. An answer given by a fallback backend (the trace's
``answered_by``) is stored under the fallback's identity, never the primary's. Hits
are returned with ``cache_hit=True`` and zero usage; every other field (tool calls,
thinking, citations, logprobs, finish reason) comes back as stored. The outcome
(``hit``, ``miss``, ``bypass``) is added to the call's trace, on the error too.

Per call, from the request only: ``request.options.cache=False`` (DSPy's
``cache=False``, or a ``with bypass_cache():`` block around DSPy calls) skips lookup and
store; ``request.options.salt`` (a ``with rollout(rollout_id):`` block) gives an
independent entry (DSPy's ``rollout_id`` idea). See :mod:`unified._scope`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .._config import CacheConfig
from .._parts import TextPart, part_key
from .._request_config import DEFAULT_OPTIONS
from .._trace import CallTrace
from .._types import BackendIdentity, LMRequest, LMResponse, Message, Usage, canonical_json
from .base import EMPTY_TRACE, Layer, TraceStep, attach_trace, trace_of, with_trace
from .diskstore import DiskStore

__all__ = ["Cached", "ResponseCache", "MemoryLRU", "cache_key", "as_hit"]

def cache_key(request: LMRequest, identity: BackendIdentity, *, rules: str = "",
              salt: str | None = None) -> str:
    """The sha256 hex key of one request as answered by one backend identity.

    What is hashed is one text: the ``repr`` of a list of every short part (see the
    module docstring; ``repr`` quotes and escapes every string, so the list is as
    unambiguous as one canonical JSON document), preceded by its length, then each
    plain message's text as it is, its length in the list. A system prompt text is in
    the list as its own sha256 digest (remembered: a program sends the same prompt on
    every call). The long texts of a prompt are copied, never escaped character by
    character. Plain text messages are their role and text; anything beyond text adds
    its own element only when present, so the keys of text-only requests stay short.
    """
    texts: list[str] = []
    system: Any = request.system
    if isinstance(system, str):
        system = _system_digest(system)
    elif system is not None:
        system = tuple(part_key(p) for p in system)
    head: list[Any] = [identity.kind, identity.endpoint, identity.model, request.model,
                       system, _params_key(request.params), rules, salt,
                       len(request.messages)]
    for message in request.messages:
        _message_key(message, head, texts)
    head.append(None if request.options is DEFAULT_OPTIONS and not request.tools
                and request.tool_choice is None and request.reasoning is None
                and request.prompt_cache is None else _structured_key(request))
    shown = repr(head)
    return hashlib.sha256("".join((str(len(shown)), ":", shown, *texts))
                          .encode("utf-8", "surrogatepass")).hexdigest()


#: sha256 hex digests of recent system prompts (a program sends the same one on every
#: call of a predictor); emptied when full.
_SYSTEM_DIGESTS: dict[str, str] = {}
_SYSTEM_DIGESTS_MAX = 256


def _system_digest(system: str) -> str:
    """The sha256 hex digest of a system prompt, remembered for the next call."""
    digest = _SYSTEM_DIGESTS.get(system)
    if digest is None:
        digest = hashlib.sha256(system.encode("utf-8", "surrogatepass")).hexdigest()
        if len(_SYSTEM_DIGESTS) >= _SYSTEM_DIGESTS_MAX:
            _SYSTEM_DIGESTS.clear()
        _SYSTEM_DIGESTS[system] = digest
    return digest


#: Param values a key takes by ``repr`` (anything else: the canonical JSON of all params).
_SCALARS = frozenset((str, int, float, bool, type(None)))


def _params_key(params: Any) -> Any:
    """Flat params of plain values as their sorted items; else their canonical JSON."""
    if not params:
        return ""
    items = sorted(params.items())
    for _, value in items:
        if type(value) not in _SCALARS:
            return canonical_json(params)
    return tuple(items)


def _message_key(message: Message, head: list[Any], texts: list[str]) -> None:
    """A plain text message: its role and its text's length in ``head``, the text in
    ``texts``; any other: one tuple of its role, its parts' keys and its continuation."""
    parts = message.parts
    if len(parts) == 1 and not message.continuation:
        first = parts[0]
        if type(first) is TextPart and not first.continuation:
            text = first.text
            head.append(message.role)
            head.append(len(text))
            texts.append(text)
            return
        head.append((message.role, part_key(first)))
        return
    head.append((message.role, tuple(part_key(p) for p in parts),
                 tuple(canonical_json(c.to_dict()) for c in message.continuation)))


def _structured_key(request: LMRequest) -> tuple[Any, ...] | None:
    options = request.options.key()
    if (not request.tools and request.tool_choice is None and request.reasoning is None
            and request.prompt_cache is None and options is None):
        return None
    settings: dict[str, Any] = {"tools": [t.to_dict() for t in request.tools]}
    for name in ("tool_choice", "reasoning", "prompt_cache"):
        value = getattr(request, name)
        if value is not None:
            settings[name] = value.to_dict()
    return (canonical_json(settings), options)


class MemoryLRU:
    """A thread-safe LRU of at most ``max_entries`` (key -> (stored_at, value))."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[float, dict[str, Any]] | None:
        """The entry (moved to most recent), or None."""
        data = self._data
        entry = data.get(key)   # one atomic read: a miss takes no lock
        if entry is not None:
            with self._lock:
                if key in data:
                    data.move_to_end(key)
        return entry

    def set(self, key: str, stored_at: float, value: dict[str, Any]) -> None:
        """Insert or refresh an entry, evicting the least recently used beyond the bound."""
        if self.max_entries <= 0:
            return
        with self._lock:
            data = self._data
            if key in data:     # a refresh moves to the end; a new key is inserted there
                data.move_to_end(key)
            data[key] = (stored_at, value)
            while len(data) > self.max_entries:
                data.popitem(last=False)

    def pop(self, key: str) -> None:
        """Forget ``key`` if present."""
        with self._lock:
            self._data.pop(key, None)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()


class ResponseCache:
    """Stored responses in memory and on disk, keyed per answering identity."""

    def __init__(self, config: CacheConfig, identity: BackendIdentity, *, rules: str = "",
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.identity = identity
        self.rules = rules
        self._clock = clock
        self.memory = MemoryLRU(config.memory_entries)
        self.disk = (DiskStore.open(config.directory, max_size_mb=config.max_size_mb,
                                    ttl_seconds=config.ttl_seconds, clock=clock)
                     if config.directory else None)

    def key_for(self, request: LMRequest, identity: BackendIdentity | None = None) -> str:
        """The key of ``request`` answered by ``identity`` (default: the primary)."""
        return cache_key(request, identity or self.identity, rules=self.rules,
                         salt=request.options.salt)

    def in_memory(self, key: str) -> dict[str, Any] | None:
        """The fresh value stored in memory under ``key`` (moved to most recent, as a
        hit moves it), else None; an expired entry is forgotten."""
        entry = self.memory.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self._clock() - stored_at < self.config.ttl_seconds:
            return value
        self.memory.pop(key)
        return None

    def lookup(self, key: str) -> LMResponse | None:
        """A fresh stored response for ``key`` from memory, then disk; None on a miss."""
        value = self.in_memory(key)
        if value is not None:
            return as_hit(value)
        if self.disk is not None:
            now = self._clock()
            stored = self.disk.get(key)
            if stored is not None:
                hit = as_hit(stored)
                if hit is not None:
                    self.memory.set(key, now, stored)
                return hit
        return None

    def store(self, key: str, response: LMResponse) -> None:
        """Store ``response`` in memory and on disk."""
        value = response.to_dict()
        self.memory.set(key, self._clock(), value)
        if self.disk is not None:
            self.disk.set(key, value)

    def clear(self) -> int:
        """Empty both layers; return how many disk entries were removed."""
        self.memory.clear()
        return self.disk.clear() if self.disk is not None else 0

    def close(self) -> None:
        """Close the disk store's connection of this thread."""
        if self.disk is not None:
            self.disk.close()


def as_hit(value: dict[str, Any]) -> LMResponse | None:
    """The hit a stored ``value`` is served as (``cache_hit``, zero usage), or None
    when the stored data is not a response."""
    try:
        response = LMResponse.from_dict(value)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return None
    return dataclasses.replace(response, cache_hit=True, usage=Usage(0, 0), trace=_HIT)


_HIT = CallTrace(cache="hit")


class Cached(Layer):
    """Serves repeated requests from a :class:`ResponseCache` (see module docstring)."""

    def __init__(self, inner: Any, store: ResponseCache) -> None:
        super().__init__(inner)
        self.store = store
        self._step = TraceStep()

    def _hit(self, request: LMRequest) -> tuple[str, str | None, LMResponse | None]:
        """``(outcome, key, hit)`` before the wrapped backend is asked."""
        if not request.options.cache:
            return "bypass", None, None
        key = self.store.key_for(request)
        hit = self.store.lookup(key)
        return ("hit", key, hit) if hit is not None else ("miss", key, None)

    def _answered(self, request: LMRequest, key: str | None,
                  response: LMResponse) -> LMResponse:
        trace = response.trace or EMPTY_TRACE
        if key is None:
            return with_trace(response, self._step.apply(trace, "bypass", CallTrace.with_cache))
        store = self.store
        answered_by = trace.answered_by
        store.store(key if answered_by is None or answered_by is store.identity
                    or answered_by == store.identity
                    else store.key_for(request, answered_by), response)
        return with_trace(response, self._step.apply(trace, "miss", CallTrace.with_cache))

    def complete(self, request: LMRequest) -> LMResponse:
        """A stored answer, else the wrapped backend's (stored when it is new)."""
        outcome, key, hit = self._hit(request)
        if hit is not None:
            return hit
        try:
            response = self.inner.complete(request)
        except Exception as exc:
            _noted(exc, outcome)
            raise
        return self._answered(request, key, response)

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete` (the store is local and fast: not awaited)."""
        outcome, key, hit = self._hit(request)
        if hit is not None:
            return hit
        try:
            response = await self.inner.acomplete(request)
        except Exception as exc:
            _noted(exc, outcome)
            raise
        return self._answered(request, key, response)

    def close(self) -> None:
        """Close the store's connection of this thread, then the wrapped backend."""
        self.store.close()
        self.inner.close()


def _noted(exc: BaseException, outcome: str) -> None:
    attach_trace(exc, trace_of(exc).with_cache(outcome))
