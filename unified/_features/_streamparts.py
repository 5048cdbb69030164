"""What the sync and async stream wrappers share: the one stream's notes, each layer's
bookkeeping (one object per stream, fed every delta), and :func:`compose`, which walks
a built stack and puts each layer's wrapper around the next in the builder's order.

The wrappers themselves (:mod:`unified._features.streaming` for ``stream``,
:mod:`unified._features.astreaming` for ``astream``) are loops over these objects, so
the semantics are stated once and hold for both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._backends.capabilities import Capabilities, check_request
from .._errors import (
    FallbackExceptionGroup,
    StreamInterruptedError,
    TransientError,
    ValidationError,
)
from .._stream import Delta, StreamAssembler, StreamEnd, is_content, replay_deltas
from .._types import BackendIdentity, LMRequest, LMResponse
from .base import Attempt, CallRecord, CallTrace, Layer, attach_trace, trace_of
from .cache import Cached, ResponseCache
from .checked import Checked
from .fallback import Fallback
from .metrics import Metered
from .retry import Retrying
from .validation import Validated

__all__ = ["StreamNotes", "StreamKit", "compose", "Tries", "Received", "Fallen", "Watcher",
           "CapabilityCheck", "Judge", "CacheFill", "open_cache", "Measure", "answered", "failed_call"]


@dataclass
class StreamNotes:
    """What the layers learn during one stream (local to it; a stream's layers run
    one after another), read into a :class:`CallTrace` at its end."""

    attempts: list[Attempt] = field(default_factory=list)
    retry_sleep: float = 0.0
    cache: str = "off"
    validation: str | None = None
    answered_by: BackendIdentity | None = None
    fallback_used: bool = False

    def trace(self) -> CallTrace:
        """The immutable trace of what was noted."""
        return CallTrace(tuple(self.attempts), self.retry_sleep, self.cache,
                         self.validation, self.answered_by, self.fallback_used)

    def absorb(self, trace: CallTrace) -> None:
        """Add the trace of a ``complete`` call run inside the stream."""
        self.attempts.extend(trace.attempts)
        self.retry_sleep += trace.retry_sleep
        self.validation = trace.validation or self.validation
        self.answered_by = trace.answered_by or self.answered_by
        self.fallback_used = self.fallback_used or trace.fallback_used


@dataclass(frozen=True)
class StreamKit:
    """One flavour's (sync or async) wrapper of each layer, for :func:`compose`."""

    metrics: Callable[[Any, Metered], Any]
    cache: Callable[[Any, ResponseCache], Any]
    validation: Callable[[Any, Validated], Any]
    fallback: Callable[[Sequence[tuple[BackendIdentity, Any]]], Any]
    attempts: Callable[..., Any]
    watch: Callable[[Any, Callable[[LMRequest, StreamNotes], Watcher]], Any]
    one_chunk: Callable[[Any], Any]
    backend: Callable[[Any], Any]


def compose(stack: Any, kit: StreamKit) -> Any:
    """The stream handler of a built stack: each layer's wrapper from ``kit``, same order.

    Layers that only watch calls (``stream_through``) are passed through; any other
    layer (the compat budget and circuit breaker) answers in one chunk.
    """
    if isinstance(stack, Metered):
        return kit.metrics(compose(stack.inner, kit), stack)
    if isinstance(stack, Cached):
        return kit.cache(compose(stack.inner, kit), stack.store)
    if isinstance(stack, Validated):
        return kit.validation(compose(stack.inner, kit), stack)
    if isinstance(stack, Fallback):
        return kit.fallback([(b.identity(), compose(b, kit)) for b in stack.backends])
    if isinstance(stack, Retrying):
        return kit.attempts(kit.backend(bare(stack.inner)), stack, identity=stack.identity())
    if isinstance(stack, Checked):
        caps, identity = stack.capabilities(), stack.identity()
        return kit.watch(compose(stack.inner, kit),
                         lambda request, notes: CapabilityCheck(request, caps, identity))
    if isinstance(stack, Layer) and getattr(stack, "stream_through", False):
        return compose(stack.inner, kit)
    if isinstance(stack, Layer):
        return kit.one_chunk(stack)
    backend = kit.backend(stack)
    return lambda request, notes: backend(request)


def bare(inner: Any) -> Any:
    """What a retry loop wraps, below the pass-through layers (a backend)."""
    while isinstance(inner, Layer) and getattr(inner, "stream_through", False):
        inner = inner.inner
    return inner


def answered(notes: StreamNotes, response: LMResponse) -> LMResponse:
    """Note the trace of a ``complete`` call answered inside a stream."""
    notes.absorb(trace_of(response))
    return response


def failed_call(notes: StreamNotes, exc: BaseException) -> None:
    """Note the trace of a ``complete`` call that failed inside a stream."""
    notes.absorb(trace_of(exc))


class Tries:
    """The attempts of one backend's stream: retried (per its :class:`Retrying`) only
    until a first delta arrives."""

    def __init__(self, retry: Retrying, notes: StreamNotes) -> None:
        self.retry, self.notes = retry, notes
        self.failures = 0
        self.wait = 0.0

    def failed(self, exc: Exception) -> None:
        """Note a failure before the first delta; re-raise it when it is not retried,
        else set :attr:`wait`, the wait before the next attempt."""
        cfg = self.retry.config
        self.notes.attempts.append(Attempt(self.retry.kind, type(exc).__name__, self.wait,
                                           self.failures > 0))
        self.failures += 1
        if self.failures >= cfg.attempts or not isinstance(exc, cfg.retry_on):
            raise exc
        self.wait = self.retry.delay(self.failures, exc)
        self.notes.retry_sleep += self.wait

    def started(self) -> Attempt:
        """The attempt whose first delta arrived."""
        return Attempt(self.retry.kind, None, self.wait, self.failures > 0)


class Received:
    """What an attempt handed on after its first delta (for the interruption error)."""

    def __init__(self, first: Delta, notes: StreamNotes, attempt: Attempt,
                 identity: BackendIdentity | None) -> None:
        self.assembler = StreamAssembler()
        self.assembler.push(first)
        self.notes, self.attempt, self.identity = notes, attempt, identity
        notes.answered_by = identity

    def push(self, delta: Delta) -> None:
        """One more delta handed on."""
        self.assembler.push(delta)

    def interrupted(self, exc: Exception) -> StreamInterruptedError:
        """The error for a failure after the first delta (never retried)."""
        received, identity = self.assembler, self.identity
        self.notes.attempts.append(self.attempt._replace(error=type(exc).__name__))
        return StreamInterruptedError(
            f"stream interrupted after {len(received.chunks)} chunks "
            f"({type(exc).__name__}: {exc}); not retried: its start was already delivered",
            partial_text=received.text, chunks=tuple(received.chunks), cause=exc,
            backend=identity.kind if identity else None,
            endpoint=identity.endpoint if identity else None)

    def done(self) -> None:
        """The stream ended: the attempt succeeded."""
        self.notes.attempts.append(self.attempt)


class Fallen:
    """The backends of a fallback chain that failed before their first delta."""

    def __init__(self, chain: Sequence[Any], notes: StreamNotes) -> None:
        self.last, self.notes = len(chain) - 1, notes
        self.failures: list[Exception] = []

    def failed(self, index: int, exc: TransientError) -> None:
        """Backend ``index`` failed transiently before its first delta: the next one
        takes over."""
        self.failures.append(exc)
        if index < self.last:
            self.notes.fallback_used = True

    def exhausted(self) -> FallbackExceptionGroup:
        """Every backend failed: the group of their failures."""
        return FallbackExceptionGroup.of(self.failures)


class Watcher:
    """Sees every delta a layer hands on, in the wrapper's ``watched`` loop: ``begin``
    before the first, ``seen`` for each (returns it), ``failed`` for a failure (returns
    the error to raise), ``finish`` at the end whatever happened."""

    def begin(self) -> None:
        """The stream is being read."""

    def seen(self, delta: Delta) -> Delta:
        """One delta, about to be handed on."""
        return delta

    def failed(self, exc: Exception) -> Exception:
        """The stream failed with ``exc``: what to raise."""
        return exc

    def finish(self) -> None:
        """The stream ended, failed or was closed."""


class CapabilityCheck(Watcher):
    """The request checked against a backend's capabilities before any attempt: a
    part or parameter its wire cannot carry is refused, never dropped."""

    def __init__(self, request: LMRequest, caps: Capabilities,
                 identity: BackendIdentity) -> None:
        self.request, self.caps, self.identity = request, caps, identity

    def begin(self) -> None:
        """Refuse what the backend cannot carry (before its stream is opened)."""
        check_request(self.request, self.caps, self.identity)


class Judge(Watcher):
    """Validation of the assembled answer at the end of a stream."""

    def __init__(self, layer: Validated, notes: StreamNotes) -> None:
        self.layer, self.notes = layer, notes
        self.assembler = StreamAssembler()

    def seen(self, delta: Delta) -> Delta:
        """Take one delta; at the end, raise :class:`ValidationError` on a failure."""
        self.assembler.push(delta)
        if isinstance(delta, StreamEnd):
            ok, reason, text = self.layer.judge(self.assembler.response())
            self.notes.validation = reason
            if not ok:
                raise ValidationError(reason, text=text)
        return delta


class CacheFill(Watcher):
    """Stores a missed stream once it completed (a no-op for a bypassed one)."""

    def __init__(self, cache: ResponseCache | None, key: Any, notes: StreamNotes,
                 request: LMRequest) -> None:
        self.cache, self.key, self.notes, self.request = cache, key, notes, request
        self.assembler = StreamAssembler()

    def seen(self, delta: Delta) -> Delta:
        """Take one delta; at the end, store the assembled answer."""
        cache = self.cache
        if cache is None:
            return delta
        self.assembler.push(delta)
        if isinstance(delta, StreamEnd):
            answered_by = self.notes.answered_by or cache.identity
            key = self.key if answered_by == cache.identity else cache.key_for(
                self.request, answered_by)
            cache.store(key, self.assembler.response(
                backend=answered_by.kind, endpoint=answered_by.endpoint,
                model=answered_by.model))
        return delta


def open_cache(cache: ResponseCache, request: LMRequest,
               notes: StreamNotes) -> tuple[list[Delta] | None, CacheFill]:
    """A hit's deltas (replayed as a stream), else ``None`` and what stores the miss."""
    if not request.options.cache:
        notes.cache = "bypass"
        return None, CacheFill(None, None, notes, request)
    key = cache.key_for(request)
    hit = cache.lookup(key)
    if hit is not None:
        notes.cache = "hit"
        return replay_deltas(hit), CacheFill(None, None, notes, request)
    notes.cache = "miss"
    return None, CacheFill(cache, key, notes, request)


class Measure(Watcher):
    """One stream's metrics: time to first chunk, chunks, and the call's record (folded
    into the metrics and handed to the listeners, as :class:`Metered` does)."""

    def __init__(self, metered: Metered, request: LMRequest, notes: StreamNotes) -> None:
        self.metered, self.request, self.notes = metered, request, notes
        self.clock = metered._clock
        self.start = 0.0
        self.first: float | None = None
        self.chunks = 0
        self.assembler = StreamAssembler()
        self.response: LMResponse | None = None
        self.error: BaseException | None = None

    def begin(self) -> None:
        """The clock starts when the stream is first read."""
        self.start = self.clock()

    def seen(self, delta: Delta) -> Delta:
        """Take one delta handed to the caller."""
        if is_content(delta):
            self.chunks += 1
            if self.first is None:
                self.first = self.clock() - self.start
        self.assembler.push(delta)
        if isinstance(delta, StreamEnd):
            self.response = self.assembler.response()
        return delta

    def failed(self, exc: Exception) -> Exception:
        """The stream failed with ``exc``: raised with its trace attached."""
        self.error = attach_trace(exc, self.notes.trace())
        return exc

    def finish(self) -> None:
        """Record the stream (and, when it ended or failed, the call)."""
        metered = self.metered
        metered.metrics.streams.record(self.first, self.chunks)
        if self.response is not None or self.error is not None:
            record = CallRecord(self.request, self.notes.trace(), self.clock() - self.start,
                                self.response, self.error)
            metered.metrics.record(record)
            for listener in tuple(metered.listeners):
                listener(record)
