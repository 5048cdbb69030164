"""Stream semantics of the stack: each layer of :func:`unified._stack.build_stack` has a
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
  :class:`~unified._errors.StreamInterruptedError` with the partial text and the deltas
  received, and is never retried.
- :func:`stream_fallback`: moves to the next backend only when one fails with a
  transient error before its first delta.
- :func:`stream_validation`: validates the assembled answer at the end; a failure
  raises after the last content chunk, in place of the ``StreamEnd``.
- :func:`stream_cache`: a hit is replayed as a stream (no backend call); a miss is
  stored only once the stream has completed and passed validation.
- :func:`stream_metrics`: time to first chunk and chunks per call (see
  :class:`~unified._features.metrics.StreamStats`), plus the call's record folded into
  the usual metrics and handed to the listeners.

The async stack (:mod:`unified._features.astreaming`) has the same wrappers over the
backends' ``astream``; the bookkeeping both share is in
:mod:`unified._features._streamparts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .._errors import TransientError
from .._stream import Delta, StreamEnd, response_deltas
from .._types import BackendIdentity, LMRequest
from ._streamparts import (
    Fallen,
    Judge,
    Measure,
    Received,
    StreamKit,
    StreamNotes,
    Tries,
    Watcher,
    answered,
    compose,
    failed_call,
    open_cache,
)
from .base import Attempt
from .cache import ResponseCache
from .metrics import Metered
from .retry import Retrying
from .validation import Validated

__all__ = ["StreamHandler", "StreamNotes", "stream_of", "stream_attempts",
           "stream_fallback", "stream_validation", "stream_cache", "stream_metrics"]

StreamHandler = Callable[[LMRequest, StreamNotes], Iterator[Delta]]
BackendStream = Callable[[LMRequest], Iterator[Delta]]


def stream_attempts(inner: BackendStream, retry: Retrying, *,
                    identity: BackendIdentity | None = None) -> StreamHandler:
    """One backend's stream, retried only before its first delta (module doc)."""

    def attempts(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        tries = Tries(retry, notes)
        while True:
            if tries.wait > 0:
                retry.clock.sleep(tries.wait)
            deltas = inner(request)
            try:
                first = next(deltas, None)
            except Exception as exc:
                tries.failed(exc)
                continue
            yield from _handed_on(StreamEnd() if first is None else first, deltas, notes,
                                  tries.started(), identity)
            return

    return attempts


def _handed_on(first: Delta, deltas: Iterator[Delta], notes: StreamNotes, attempt: Attempt,
               identity: BackendIdentity | None) -> Iterator[Delta]:
    """Hand ``first`` and the rest on; a failure now is a :class:`StreamInterruptedError`."""
    received = Received(first, notes, attempt, identity)
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
        raise received.interrupted(exc) from exc
    received.done()


def stream_fallback(chain: Sequence[tuple[BackendIdentity, StreamHandler]]) -> StreamHandler:
    """The first backend whose stream starts; the next one only on a transient failure
    before any delta was handed on; every backend's failure in a group when none does."""

    def first_that_starts(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        fallen = Fallen(chain, notes)
        for index, (identity, handler) in enumerate(chain):
            deltas = handler(request, notes)
            try:
                first = next(deltas)
            except StopIteration:
                return
            except TransientError as exc:
                fallen.failed(index, exc)
                continue
            notes.answered_by = identity
            yield first
            yield from deltas
            return
        raise fallen.exhausted()

    return first_that_starts


def stream_validation(inner: StreamHandler, layer: Validated) -> StreamHandler:
    """Validate the assembled answer when the stream ends (module doc)."""
    return lambda request, notes: watched(inner(request, notes), Judge(layer, notes))


def stream_cache(inner: StreamHandler, cache: ResponseCache) -> StreamHandler:
    """Replay hits as streams; store a miss only once it completed (module doc)."""

    def cached(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        hit, fill = open_cache(cache, request, notes)
        if hit is not None:
            yield from hit
            return
        yield from watched(inner(request, notes), fill)

    return cached


def stream_metrics(inner: StreamHandler, metered: Metered) -> StreamHandler:
    """Measure each stream: time to first chunk, chunks, and the call's record (folded
    into the metrics and handed to the listeners, as :class:`Metered` does)."""
    return lambda request, notes: watched(inner(request, notes),
                                          Measure(metered, request, notes))


def watched(deltas: Iterator[Delta], watcher: Watcher) -> Iterator[Delta]:
    """``deltas`` handed on, each seen by ``watcher`` (:class:`Watcher`)."""
    watcher.begin()
    try:
        yield from map(watcher.seen, deltas)
    except Exception as exc:
        raise watcher.failed(exc)  # noqa: B904 - the same error, its trace attached
    finally:
        watcher.finish()


def _watch(inner: StreamHandler, watcher: Callable[[LMRequest, StreamNotes], Watcher]
           ) -> StreamHandler:
    return lambda request, notes: watched(inner(request, notes), watcher(request, notes))


def _one_chunk(layer: Any) -> StreamHandler:
    """A layer with no stream semantics: its ``complete``, handed on as deltas."""

    def call(request: LMRequest, notes: StreamNotes) -> Iterator[Delta]:
        try:
            response = answered(notes, layer.complete(request))
        except Exception as exc:
            failed_call(notes, exc)
            raise
        yield from response_deltas(response)

    return call


def _backend(backend: Any) -> BackendStream:
    """The backend's ``stream`` (one chunk of its ``complete`` when it has none); the
    call itself starts at the first ``next``."""
    native = getattr(backend, "stream", None)

    def opened(request: LMRequest) -> Iterator[Delta]:
        if native is None:
            yield from response_deltas(backend.complete(request))
        else:
            yield from native(request)

    return opened


SYNC = StreamKit(stream_metrics, stream_cache, stream_validation, stream_fallback,
                 stream_attempts, _watch, _one_chunk, _backend)


def stream_of(stack: Any) -> StreamHandler:
    """The stream handler of a built stack: each layer's stream wrapper, same order."""
    return compose(stack, SYNC)  # type: ignore[no-any-return]
