"""Stream semantics of the stack: each layer of :func:`unified.stack.build_stack` has a
stream wrapper, and :func:`stream_of` walks a built stack and composes them in the
same order (so the order is stated once, in the builder)::

    Metered  -> stream_metrics     Cached   -> stream_cache
    Validated-> stream_validation  Fallback -> stream_fallback
    Checked  -> capability check   Retrying -> stream_attempts
    a backend-> its ``stream`` (one chunk of ``complete`` when it has none)

A stream handler is ``(request, notes) -> Iterator[Delta]`` (deltas of
:mod:`unified._stream`, the last one a ``StreamEnd``); ``notes`` is the one stream's
:class:`StreamNotes`, turned into the immutable :class:`~unified._trace.CallTrace` when
the stream ends. Layers that only watch calls (telemetry's ``Traced`` and
``Attempted``) are passed through; any other layer (the compat budget and circuit
breaker) runs its ``complete`` and hands the answer on as one chunk.

The rule the wrappers share: **nothing is repeated or replaced once a chunk has been
handed to the caller.**

- :func:`stream_attempts`: retries (per the backend's :class:`Retrying` policy) only
  until the first delta has been handed on; a failure after that raises
  :class:`~unified.errors.StreamInterruptedError` with the partial text and the deltas
  received, and is never retried.
- :func:`stream_fallback`: moves to the next backend only when one fails with a
  transient error before its first delta.
- :func:`stream_validation`: validates the assembled answer at the end; a failure
  raises after the last content chunk, in place of the ``StreamEnd``.
- :func:`stream_cache`: a hit is replayed as a stream (no backend call); a miss is
  stored only once the stream has completed and passed validation.
- :func:`stream_metrics`: time to first chunk and chunks per call (see
  :class:`~unified.features.metrics.StreamStats`), plus the call's record folded into
  the usual metrics and handed to the listeners.

``astream`` is :func:`pump_in_thread` over the sync stream (one thread per stream).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._stream import (
    Delta,
    StreamAssembler,
    StreamEnd,
    is_content,
    replay_deltas,
    response_deltas,
)
from ..backends.capabilities import check_request
from ..errors import FallbackExceptionGroup, StreamInterruptedError, TransientError, ValidationError
from ..types import BackendIdentity, LMRequest, LMResponse
from .base import Attempt, CallRecord, CallTrace, Layer, attach_trace, trace_of
from .cache import Cached, ResponseCache
from .checked import Checked
from .fallback import Fallback
from .metrics import Metered
from .retry import Retrying
from .validation import Validated

__all__ = ["StreamHandler", "StreamNotes", "stream_of", "stream_attempts",
           "stream_fallback", "stream_validation", "stream_cache", "stream_metrics",
           "pump_in_thread"]


@dataclass
class StreamNotes:
    """What the layers learn during one stream (local to it; a stream's layers run
    one after another in one thread), read into a :class:`CallTrace` at its end."""

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


StreamHandler = Callable[[LMRequest, StreamNotes], Iterator[Delta]]
BackendStream = Callable[[LMRequest], Iterator[Delta]]


def stream_of(stack: Any) -> StreamHandler:
    """The stream handler of a built stack: each layer's stream wrapper, same order."""
    if isinstance(stack, Metered):
        return stream_metrics(stream_of(stack.inner), stack)
    if isinstance(stack, Cached):
        return stream_cache(stream_of(stack.inner), stack.store)
    if isinstance(stack, Validated):
        return stream_validation(stream_of(stack.inner), stack)
    if isinstance(stack, Fallback):
        return stream_fallback([(b.identity(), stream_of(b)) for b in stack.backends])
    if isinstance(stack, Retrying):
        return stream_attempts(_bare(stack.inner), stack, identity=stack.identity())
    if isinstance(stack, Checked):
        inner = stream_of(stack.inner)
        caps, identity = stack.capabilities(), stack.identity()

        def checked(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
            check_request(request, caps, identity)   # refused before any attempt
            yield from inner(request, notes)

        return checked
    if isinstance(stack, Layer) and getattr(stack, "stream_through", False):
        return stream_of(stack.inner)
    if isinstance(stack, Layer):
        return _one_chunk(stack)
    return lambda request, notes: _opened(stack, request)


def _bare(inner: Any) -> BackendStream:
    """The stream of what a retry loop wraps (a backend, or a pass-through layer)."""
    while isinstance(inner, Layer) and getattr(inner, "stream_through", False):
        inner = inner.inner
    return lambda request: _opened(inner, request)


def _one_chunk(layer: Any) -> StreamHandler:
    """A layer with no stream semantics: its ``complete``, handed on as deltas."""

    def call(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        try:
            response: LMResponse = layer.complete(request)
        except Exception as exc:
            notes.absorb(trace_of(exc))
            raise
        notes.absorb(trace_of(response))
        yield from response_deltas(response)

    return call


def stream_attempts(inner: BackendStream, retry: Retrying, *,
                    identity: BackendIdentity | None = None) -> StreamHandler:
    """One backend's stream, retried only before its first delta (module doc)."""
    cfg = retry.config

    def attempts(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        wait = 0.0
        for number in range(1, cfg.attempts + 1):
            if wait > 0:
                retry.clock.sleep(wait)
            deltas = inner(request)
            try:
                first = next(deltas)
            except StopIteration:
                first = StreamEnd()
            except Exception as exc:
                notes.attempts.append(Attempt(retry.kind, type(exc).__name__, wait, number > 1))
                if number == cfg.attempts or not isinstance(exc, cfg.retry_on):
                    raise
                wait = retry.delay(number, exc)
                notes.retry_sleep += wait
                continue
            notes.answered_by = identity
            yield from _handed_on(first, deltas, notes,
                                  Attempt(retry.kind, None, wait, number > 1), identity)
            return
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    return attempts


def _handed_on(first: Delta, deltas: Iterator[Delta], notes: StreamNotes, attempt: Attempt,
               identity: BackendIdentity | None) -> Iterator[Delta]:
    """Hand ``first`` and the rest on; a failure now is a :class:`StreamInterruptedError`."""
    received = StreamAssembler()
    received.push(first)
    try:
        yield first
        for delta in deltas:
            received.push(delta)
            yield delta
    except GeneratorExit:
        close = getattr(deltas, "close", None)
        if close is not None:
            close()
        raise
    except Exception as exc:
        notes.attempts.append(attempt._replace(error=type(exc).__name__))
        raise StreamInterruptedError(
            f"stream interrupted after {len(received.chunks)} chunks "
            f"({type(exc).__name__}: {exc}); not retried: its start was already delivered",
            partial_text=received.text, chunks=tuple(received.chunks), cause=exc,
            backend=identity.kind if identity else None,
            endpoint=identity.endpoint if identity else None) from exc
    notes.attempts.append(attempt)


def stream_fallback(chain: Sequence[tuple[BackendIdentity, StreamHandler]]) -> StreamHandler:
    """The first backend whose stream starts; the next one only on a transient failure
    before any delta was handed on; every backend's failure in a group when none does."""

    def first_that_starts(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        failures: list[Exception] = []
        for index, (identity, handler) in enumerate(chain):
            deltas = handler(request, notes)
            try:
                first = next(deltas)
            except StopIteration:
                return
            except TransientError as exc:
                failures.append(exc)
                if index < len(chain) - 1:
                    notes.fallback_used = True
                continue
            notes.answered_by = identity
            yield first
            yield from deltas
            return
        raise FallbackExceptionGroup.of(failures)

    return first_that_starts


def stream_validation(inner: StreamHandler, layer: Validated) -> StreamHandler:
    """Validate the assembled answer when the stream ends (module doc)."""

    def validated(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        assembler = StreamAssembler()
        for delta in inner(request, notes):
            assembler.push(delta)
            if isinstance(delta, StreamEnd):
                ok, reason, text = layer.judge(assembler.response())
                notes.validation = reason
                if not ok:
                    raise ValidationError(reason, text=text)
            yield delta

    return validated


def stream_cache(inner: StreamHandler, cache: ResponseCache) -> StreamHandler:
    """Replay hits as streams; store a miss only once it completed (module doc)."""

    def cached(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        if not request.options.cache:
            notes.cache = "bypass"
            yield from inner(request, notes)
            return
        key = cache.key_for(request)
        hit = cache.lookup(key)
        if hit is not None:
            notes.cache = "hit"
            yield from replay_deltas(hit)
            return
        notes.cache = "miss"
        assembler = StreamAssembler()
        for delta in inner(request, notes):
            assembler.push(delta)
            if isinstance(delta, StreamEnd):
                answered_by = notes.answered_by or cache.identity
                store_key = key if answered_by == cache.identity else cache.key_for(
                    request, answered_by)
                cache.store(store_key, assembler.response(
                    backend=answered_by.kind, endpoint=answered_by.endpoint,
                    model=answered_by.model))
            yield delta

    return cached


def stream_metrics(inner: StreamHandler, metered: Metered) -> StreamHandler:
    """Measure each stream: time to first chunk, chunks, and the call's record (folded
    into the metrics and handed to the listeners, as :class:`Metered` does)."""
    clock, metrics = metered._clock, metered.metrics

    def measured(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        start = clock()
        first: float | None = None
        chunks = 0
        assembler = StreamAssembler()
        response: LMResponse | None = None
        error: BaseException | None = None
        try:
            for delta in inner(request, notes):
                if is_content(delta):
                    chunks += 1
                    if first is None:
                        first = clock() - start
                assembler.push(delta)
                if isinstance(delta, StreamEnd):
                    response = assembler.response()
                yield delta
        except Exception as exc:
            error = attach_trace(exc, notes.trace())
            raise
        finally:
            metrics.streams.record(first, chunks)
            if response is not None or error is not None:
                record = CallRecord(request, notes.trace(), clock() - start, response, error)
                metrics.record(record)
                for listener in tuple(metered.listeners):
                    listener(record)

    return measured


def _opened(backend: Any, request: LMRequest) -> Iterator[Delta]:
    """The backend's deltas; the call itself starts at the first ``next``."""
    native = getattr(backend, "stream", None)
    if native is None:
        yield from response_deltas(backend.complete(request))
    else:
        yield from native(request)


async def pump_in_thread(deltas: Iterator[Delta]) -> AsyncIterator[Delta]:
    """Run a blocking stream in a thread of its own; yield each item as it arrives.

    One thread per stream (not the shared executor), so many concurrent streams do not
    wait for each other's next chunk. Closing early stops the thread after its current
    item and closes the stream.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    stop = threading.Event()

    def hand(kind: str, value: Any) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
        except RuntimeError:     # the consumer's loop is gone: stop producing
            stop.set()

    def produce() -> None:
        try:
            for item in deltas:
                hand("item", item)
                if stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            hand("error", exc)
            return
        finally:
            close = getattr(deltas, "close", None)
            if close is not None and stop.is_set():
                close()
        hand("end", None)

    thread = threading.Thread(target=produce, name="unified-stream", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = await queue.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
