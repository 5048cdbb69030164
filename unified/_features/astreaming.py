"""The async stream semantics of the stack: the wrappers of
:mod:`unified._features.streaming`, natively async over the backends' ``astream``.

:func:`astream_of` composes them in the builder's order, as :func:`stream_of` does for
``stream``; each wrapper keeps the same rules (retry and fallback only before the first
chunk, :class:`~unified._errors.StreamInterruptedError` after it, validation at the end,
the cache storing only completed streams and replaying hits), with the bookkeeping of
:mod:`unified._features._streamparts`. Waits between attempts are awaited
(:meth:`~unified._clock.Clock.asleep`); a layer without stream semantics runs its
``acomplete``; a backend without ``astream`` answers one chunk of its ``acomplete``.
No thread is started here: the backend decides (Bedrock's blocking boto3 stream is
read in a thread of its own, at the backend). Every wrapper reads the stream it wraps
inside ``aclosing``, so a consumer that stops early closes the whole chain at once (an
async generator has no ``yield from`` to pass the close on).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from typing import Any

from .._errors import TransientError
from .._stream import Delta, StreamEnd, response_deltas
from .._types import BackendIdentity, LMRequest
from . import _streamparts as parts
from ._streamparts import StreamNotes, Watcher
from .cache import ResponseCache
from .metrics import Metered
from .retry import Retrying
from .validation import Validated

__all__ = ["AsyncStreamHandler", "astream_of", "astream_attempts", "astream_fallback",
           "astream_validation", "astream_cache", "astream_metrics"]

AsyncStreamHandler = Callable[[LMRequest, StreamNotes], AsyncGenerator[Delta, None]]
AsyncBackendStream = Callable[[LMRequest], AsyncGenerator[Delta, None]]


def astream_attempts(inner: AsyncBackendStream, retry: Retrying, *,
                     identity: BackendIdentity | None = None) -> AsyncStreamHandler:
    """One backend's async stream, retried only before its first delta."""

    async def attempts(request: LMRequest, notes: StreamNotes) -> AsyncGenerator[Delta, None]:
        tries = parts.Tries(retry, notes)
        while True:
            if tries.wait > 0:
                await retry.clock.asleep(tries.wait)
            deltas = inner(request)
            try:
                first = await anext(deltas, None)
            except Exception as exc:
                tries.failed(exc)
                continue
            first = StreamEnd() if first is None else first
            received = parts.Received(first, notes, tries.started(), identity)
            async with aclosing(deltas):
                try:
                    yield first
                    async for delta in deltas:
                        received.push(delta)
                        yield delta
                except Exception as exc:
                    raise received.interrupted(exc) from exc
            received.done()
            return

    return attempts


def astream_fallback(chain: Sequence[tuple[BackendIdentity, AsyncStreamHandler]]
                     ) -> AsyncStreamHandler:
    """The first backend whose async stream starts (as :func:`stream_fallback`)."""

    async def first_that_starts(request: LMRequest, notes: StreamNotes
                                ) -> AsyncGenerator[Delta, None]:
        fallen = parts.Fallen(chain, notes)
        for index, (identity, handler) in enumerate(chain):
            deltas = handler(request, notes)
            try:
                first = await anext(deltas)
            except StopAsyncIteration:
                return
            except TransientError as exc:
                fallen.failed(index, exc)
                continue
            notes.answered_by = identity
            async with aclosing(deltas):
                yield first
                async for delta in deltas:
                    yield delta
            return
        raise fallen.exhausted()

    return first_that_starts


def astream_validation(inner: AsyncStreamHandler, layer: Validated) -> AsyncStreamHandler:
    """Validate the assembled answer when the async stream ends."""
    return lambda request, notes: awatched(inner(request, notes), parts.Judge(layer, notes))


def astream_cache(inner: AsyncStreamHandler, cache: ResponseCache) -> AsyncStreamHandler:
    """Replay hits as async streams; store a miss only once it completed."""

    async def cached(request: LMRequest, notes: StreamNotes) -> AsyncGenerator[Delta, None]:
        hit, fill = parts.open_cache(cache, request, notes)
        deltas = _replayed(hit) if hit is not None else awatched(inner(request, notes), fill)
        async with aclosing(deltas):
            async for delta in deltas:
                yield delta

    return cached


async def _replayed(deltas: list[Delta]) -> AsyncGenerator[Delta, None]:
    for delta in deltas:
        yield delta


def astream_metrics(inner: AsyncStreamHandler, metered: Metered) -> AsyncStreamHandler:
    """Measure each async stream (as :func:`stream_metrics`)."""
    return lambda request, notes: awatched(inner(request, notes),
                                           parts.Measure(metered, request, notes))


async def awatched(deltas: AsyncGenerator[Delta, None],
                   watcher: Watcher) -> AsyncGenerator[Delta, None]:
    """``deltas`` handed on, each seen by ``watcher``; closing this closes ``deltas``."""
    watcher.begin()
    async with aclosing(deltas):
        try:
            async for delta in deltas:
                yield watcher.seen(delta)
        except Exception as exc:
            raise watcher.failed(exc)  # noqa: B904 - the same error, its trace attached
        finally:
            watcher.finish()


def _awatch(inner: AsyncStreamHandler,
            watcher: Callable[[LMRequest, StreamNotes], Watcher]) -> AsyncStreamHandler:
    return lambda request, notes: awatched(inner(request, notes), watcher(request, notes))


def _one_chunk(layer: Any) -> AsyncStreamHandler:
    """A layer with no stream semantics: its ``acomplete``, handed on as deltas."""

    async def call(request: LMRequest, notes: StreamNotes) -> AsyncGenerator[Delta, None]:
        try:
            response = parts.answered(notes, await layer.acomplete(request))
        except Exception as exc:
            parts.failed_call(notes, exc)
            raise
        for delta in response_deltas(response):
            yield delta

    return call


def _backend(backend: Any) -> AsyncBackendStream:
    """The backend's ``astream`` (one chunk of its ``acomplete`` when it has none); the
    call itself starts at the first ``anext``."""
    native = getattr(backend, "astream", None)

    async def opened(request: LMRequest) -> AsyncGenerator[Delta, None]:
        if native is None:
            for delta in response_deltas(await backend.acomplete(request)):
                yield delta
        else:
            async with aclosing(native(request)) as deltas:
                async for delta in deltas:
                    yield delta

    return opened


ASYNC = parts.StreamKit(astream_metrics, astream_cache, astream_validation, astream_fallback,
                  astream_attempts, _awatch, _one_chunk, _backend)


def astream_of(stack: Any) -> AsyncStreamHandler:
    """The async stream handler of a built stack: each layer's wrapper, same order."""
    return parts.compose(stack, ASYNC)  # type: ignore[no-any-return]
