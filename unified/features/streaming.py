"""Stream semantics of the feature layers: each a wrapper of an inner stream handler.

A stream handler is ``(request, record) -> Iterator[Delta]`` (deltas of
:mod:`unified._stream`, the last one a ``StreamEnd``). The wrappers compose like the
non-streaming layers, outermost first::

    stream_metrics( stream_cache( stream_validation( stream_fallback(
        stream_attempts(backend_1), stream_attempts(backend_2), … ))))

The rule they share: **nothing is repeated or replaced once a chunk has been handed
to the caller.**

- :func:`stream_attempts`: retries (per the backend's :class:`RetryLayer`) only until
  the first delta has been handed on; a failure after that raises
  :class:`~unified.errors.StreamInterruptedError` with the partial text and the deltas
  received, and is never retried.
- :func:`stream_fallback`: moves to the next backend only when one fails before its
  first delta.
- :func:`stream_validation`: validates the assembled answer at the end; a failure
  raises after the last content chunk, in place of the ``StreamEnd``.
- :func:`stream_cache`: a hit is replayed as a stream (no backend call); a miss is
  stored only once the stream has completed and passed validation (never a half or
  failed stream).
- :func:`stream_metrics`: time to first chunk and chunks per call (see
  :class:`~unified.features.metrics.StreamStats`), plus the call's record folded into the usual metrics.

Each wrapper takes the inner handler and returns a new one, so a builder can compose
them in any order it composes the non-streaming layers. The pipeline's composition
(``unified.pipeline._stream_chain``)::

    per backend:  stream_attempts(checked_stream(backend, caps), RetryLayer(...), identity=...)
    handler = stream_fallback([(identity, attempts), ...])
    handler = stream_validation(handler, ValidationLayer(rules))      # when rules are set
    handler = stream_cache(handler, cache_layer)                      # when the cache is on
    handler = stream_metrics(handler, metrics, clock=...)

and ``astream`` is :func:`pump_in_thread` over the sync stream (one thread per stream).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from .._stream import (
    Delta,
    StreamAssembler,
    StreamEnd,
    is_content,
    replay_deltas,
    response_deltas,
)
from ..backends.capabilities import Capabilities, check_request
from ..errors import StreamInterruptedError, TransientError, ValidationError
from ..types import BackendIdentity, LMRequest
from .base import Attempt, CallRecord
from .cache import _BYPASS, CacheLayer
from .metrics import Metrics
from .retry import RetryLayer
from .validation import ValidationLayer

__all__ = ["StreamHandler", "stream_attempts", "stream_fallback",
           "stream_validation", "stream_cache", "stream_metrics", "checked_stream",
           "pump_in_thread"]

StreamHandler = Callable[[LMRequest, CallRecord], Iterator[Delta]]
BackendStream = Callable[[LMRequest], Iterator[Delta]]


def stream_attempts(inner: BackendStream, retry: RetryLayer, *,
                    identity: BackendIdentity | None = None) -> StreamHandler:
    """One backend's stream, retried only before its first delta (module doc)."""
    cfg = retry.config

    def attempts(request: LMRequest, record: CallRecord) -> Iterator[Delta]:
        delay = 0.0
        for attempt in range(1, cfg.attempts + 1):
            deltas = inner(request)
            try:
                first = next(deltas)
            except StopIteration:
                first = StreamEnd()
            except Exception as exc:
                delay = retry.after_failure(attempt, exc, record, delay)
                continue
            yield from _handed_on(first, deltas, record, Attempt(retry.backend, None, delay),
                                  identity)
            return
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    return attempts


def _handed_on(first: Delta, deltas: Iterator[Delta], record: CallRecord, attempt: Attempt,
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
        record.attempts.append(Attempt(attempt.backend, type(exc).__name__,
                                       attempt.delay_before))
        raise StreamInterruptedError(
            f"stream interrupted after {len(received.chunks)} chunks "
            f"({type(exc).__name__}: {exc}); not retried: its start was already delivered",
            partial_text=received.text, chunks=tuple(received.chunks), cause=exc,
            backend=identity.kind if identity else None,
            endpoint=identity.endpoint if identity else None) from exc
    record.attempts.append(attempt)


def stream_fallback(chain: Sequence[tuple[BackendIdentity, StreamHandler]]) -> StreamHandler:
    """The first backend whose stream starts; the next one only on a transient failure
    before any delta was handed on."""

    def first_that_starts(request: LMRequest, record: CallRecord) -> Iterator[Delta]:
        for index, (identity, handler) in enumerate(chain):
            deltas = handler(request, record)
            try:
                first = next(deltas)
            except StopIteration:
                return
            except TransientError:
                if index == len(chain) - 1:
                    raise
                record.fallback_used = True
                continue
            record.answered_by = identity
            yield first
            yield from deltas
            return

    return first_that_starts


def stream_validation(inner: StreamHandler, layer: ValidationLayer) -> StreamHandler:
    """Validate the assembled answer when the stream ends (module doc)."""

    def validated(request: LMRequest, record: CallRecord) -> Iterator[Delta]:
        assembler = StreamAssembler()
        for delta in inner(request, record):
            assembler.push(delta)
            if isinstance(delta, StreamEnd):
                ok, reason, text = layer.judge(assembler.response())
                record.validation = reason
                if not ok:
                    raise ValidationError(reason, text=text)
            yield delta

    return validated


def stream_cache(inner: StreamHandler, cache: CacheLayer) -> StreamHandler:
    """Replay hits as streams; store a miss only once it completed (module doc)."""

    def cached(request: LMRequest, record: CallRecord) -> Iterator[Delta]:
        if _BYPASS.get() or not request.options.cache:
            record.cache = "bypass"
            yield from inner(request, record)
            return
        key = cache.key_for(request)
        hit = cache.lookup(key)
        if hit is not None:
            record.cache = "hit"
            yield from replay_deltas(hit)
            return
        record.cache = "miss"
        assembler = StreamAssembler()
        for delta in inner(request, record):
            assembler.push(delta)
            if isinstance(delta, StreamEnd):
                answered_by = record.answered_by or cache.identity
                store_key = key if answered_by == cache.identity else cache.key_for(
                    request, answered_by)
                cache.store(store_key, assembler.response(
                    backend=answered_by.kind, endpoint=answered_by.endpoint,
                    model=answered_by.model))
            yield delta

    return cached


def stream_metrics(inner: StreamHandler, metrics: Metrics, *,
                   clock: Callable[[], float] = time.perf_counter) -> StreamHandler:
    """Measure each stream: time to first chunk, chunks, and the call's record."""

    def measured(request: LMRequest, record: CallRecord) -> Iterator[Delta]:
        start = clock()
        first: float | None = None
        chunks = 0
        assembler = StreamAssembler()
        try:
            for delta in inner(request, record):
                if is_content(delta):
                    chunks += 1
                    if first is None:
                        first = clock() - start
                assembler.push(delta)
                if isinstance(delta, StreamEnd):
                    record.response = assembler.response()
                yield delta
        except Exception as exc:
            record.error = exc
            raise
        finally:
            record.latency = clock() - start
            metrics.streams.record(first, chunks)
            if record.response is not None or record.error is not None:
                metrics.record(record)

    return measured


def checked_stream(backend: Any, capabilities: Capabilities) -> BackendStream:
    """The backend's stream after the capability check (one chunk for a backend that
    has no ``stream``)."""
    identity = backend.identity()

    def call(request: LMRequest) -> Iterator[Delta]:
        check_request(request, capabilities, identity)   # refused before any attempt
        return _opened(backend, request)

    return call


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
