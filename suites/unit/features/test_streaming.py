"""Stream semantics of the layers: retry and fallback only before the first chunk,
StreamInterruptedError after it, validation at the end, the cache storing only
completed streams and replaying hits as streams, stream metrics."""

from __future__ import annotations

import asyncio
import threading

import pytest

from unified import (
    CacheConfig,
    MockBackend,
    RetryConfig,
    ServerError,
    StreamInterruptedError,
    UnifiedConfig,
    ValidationConfig,
    ValidationError,
)
from unified._backends.mock import MockStream
from unified._pipeline import Pipeline
from unified._stream import StreamEnd, TextDelta
from unified._types import LMRequest, Message

REQUEST = LMRequest("m", [Message("user", "stream please")])
WORDS = [f"w{i} " for i in range(10)]


def pipeline(backend, fake_clock, *backends, **config) -> Pipeline:
    settings = {"retry": RetryConfig(max_retries=1, base_delay=0.5, jitter=0.0),
                "cache": CacheConfig(enabled=True), **config}
    return Pipeline([backend, *backends], UnifiedConfig(backend="mock", **settings),
                    clock=fake_clock.as_clock())


def texts(deltas) -> list[str]:
    return [d.text for d in deltas if isinstance(d, TextDelta)]


@pytest.fixture(params=["sync", "async"])
def drain(request):
    """Read a pipeline's stream (``stream`` or natively async ``astream``) into a list,
    delta by delta, so what arrived before a failure is kept in ``into``."""

    def sync(run: Pipeline, into: list | None = None) -> list:
        got = [] if into is None else into
        for delta in run.stream(REQUEST):
            got.append(delta)
        return got

    def asynchronous(run: Pipeline, into: list | None = None) -> list:
        got = [] if into is None else into

        async def read() -> None:
            async for delta in run.astream(REQUEST):
                got.append(delta)

        asyncio.run(read())
        return got

    return sync if request.param == "sync" else asynchronous


def test_a_503_before_the_first_chunk_is_retried_once_and_gives_one_clean_stream(
        fake_clock, drain) -> None:
    backend = MockBackend([MockStream(WORDS)], errors=[ServerError("503", status=503)],
                          sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock)
    deltas = drain(run)
    assert texts(deltas) == WORDS and isinstance(deltas[-1], StreamEnd)
    assert backend.call_count == 2 and fake_clock.sleeps == [0.5]


def test_a_drop_after_five_chunks_raises_stream_interrupted_with_their_text_after_one_attempt(
        fake_clock, drain) -> None:
    backend = MockBackend([MockStream(WORDS, fail_after=5)], sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock)
    got = []
    with pytest.raises(StreamInterruptedError) as caught:
        drain(run, got)
    assert texts(got) == WORDS[:5]
    assert caught.value.partial_text == "".join(WORDS[:5])
    assert [c.text for c in caught.value.chunks] == WORDS[:5]
    assert backend.call_count == 1


def test_neither_a_retried_failure_nor_an_interrupted_stream_is_stored_in_the_cache(
        fake_clock, drain) -> None:
    backend = MockBackend([MockStream(WORDS, fail_after=5)],
                          errors=[ServerError("503"), ServerError("503")],
                          sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock)
    for _ in range(2):
        with pytest.raises((ServerError, StreamInterruptedError)):
            drain(run)
    assert len(run.cache.memory) == 0


def test_a_repeat_of_a_completed_stream_is_replayed_from_the_cache_without_a_backend_call(
        fake_clock, drain) -> None:
    backend = MockBackend([MockStream(WORDS)], sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock)
    first = drain(run)
    again = drain(run)
    assert backend.call_count == 1
    assert "".join(texts(again)) == "".join(texts(first)) and isinstance(again[-1], StreamEnd)
    assert run.metrics.snapshot()["cache_hits"] == 1


def test_a_completed_stream_is_served_from_the_cache_to_a_non_streaming_call(
        fake_clock, drain) -> None:
    backend = MockBackend([MockStream(WORDS)], sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock)
    drain(run)
    assert run.complete(REQUEST).text == "".join(WORDS) and backend.call_count == 1


def test_a_validation_failure_raises_after_the_last_chunk_and_is_not_cached(
        fake_clock, drain) -> None:
    backend = MockBackend([MockStream(WORDS)], sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock,
                   validation=ValidationConfig(required_keywords=["absent"]))
    got = []
    with pytest.raises(ValidationError):
        drain(run, got)
    assert texts(got) == WORDS and len(run.cache.memory) == 0


def test_fallback_takes_over_only_before_the_first_chunk(fake_clock, drain) -> None:
    primary = MockBackend([MockStream(WORDS)], errors=[ServerError("x")] * 2,
                          sleep=fake_clock.sleep)
    spare = MockBackend([MockStream(["spare"])], endpoint="mock://spare",
                        sleep=fake_clock.sleep)
    run = pipeline(primary, fake_clock, spare)
    assert texts(drain(run)) == ["spare"]


def test_no_fallback_once_a_chunk_was_handed_on(fake_clock, drain) -> None:
    primary = MockBackend([MockStream(WORDS, fail_after=3)], sleep=fake_clock.sleep)
    spare = MockBackend([MockStream(["spare"])], endpoint="mock://spare",
                        sleep=fake_clock.sleep)
    run = pipeline(primary, fake_clock, spare)
    with pytest.raises(StreamInterruptedError):
        drain(run)
    assert spare.call_count == 0


def test_metrics_count_chunks_per_call_and_time_to_first_chunk(fake_clock, drain) -> None:
    backend = MockBackend([MockStream(WORDS, delay=0.25)], sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock, cache=None)
    drain(run)
    snapshot = run.metrics.snapshot()
    assert snapshot["streams"] == 1 and snapshot["chunks_per_call"] == len(WORDS)
    assert snapshot["time_to_first_chunk_p50"] == pytest.approx(0.25)
    assert snapshot["successful_requests"] == 1


def test_async_streams_yield_the_same_chunks(fake_clock) -> None:
    backend = MockBackend([MockStream(WORDS)], sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock, cache=None)

    async def collect():
        return [d async for d in run.astream(REQUEST)]

    assert texts(asyncio.run(collect())) == WORDS


def test_async_streams_raise_stream_interrupted_too(fake_clock) -> None:
    backend = MockBackend([MockStream(WORDS, fail_after=2)], sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock, cache=None)

    async def collect():
        return [d async for d in run.astream(REQUEST)]

    with pytest.raises(StreamInterruptedError):
        asyncio.run(collect())


def test_an_async_consumer_that_stops_early_closes_the_whole_chain_at_once(fake_clock) -> None:
    closed = []

    async def endless(request):
        try:
            while True:
                yield TextDelta("x")
        finally:
            closed.append(True)

    backend = MockBackend(["unused"], sleep=fake_clock.sleep)
    backend.astream = endless
    run = pipeline(backend, fake_clock, cache=None)

    async def first_three():
        got = []
        stream = run.astream(REQUEST)
        async for delta in stream:
            got.append(delta)
            if len(got) == 3:
                break
        await stream.aclose()
        return got, list(closed)

    got, closed_when_closing = asyncio.run(first_three())
    assert len(got) == 3 and closed_when_closing == [True]


def test_an_async_stream_starts_no_thread(fake_clock, monkeypatch) -> None:
    started = []
    start = threading.Thread.start

    def counted(thread):
        started.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    backend = MockBackend([MockStream(WORDS)], sleep=fake_clock.sleep)
    run = pipeline(backend, fake_clock, cache=None)

    async def collect():
        return [d async for d in run.astream(REQUEST)]

    assert texts(asyncio.run(collect())) == WORDS and started == []


def test_a_backend_without_stream_answers_in_one_chunk_and_is_retried_like_any_other(
        fake_clock, drain) -> None:
    class CompleteOnly:
        """A backend that implements only the non-streaming seam."""

        kind = "plain"

        def __init__(self) -> None:
            self.inner = MockBackend(["whole answer"], errors=[ServerError("503")],
                                     sleep=fake_clock.sleep)

        def complete(self, request):
            return self.inner.complete(request)

        async def acomplete(self, request):
            return self.complete(request)

        def identity(self):
            return self.inner.identity()

    backend = CompleteOnly()
    run = pipeline(backend, fake_clock, cache=None)
    assert texts(drain(run)) == ["whole answer"]
    assert backend.inner.call_count == 2


def test_a_streamed_fallbacks_first_try_is_not_counted_as_a_retry(fake_clock, drain) -> None:
    primary = MockBackend([MockStream(WORDS)], errors=[ServerError("x")] * 2,
                          sleep=fake_clock.sleep)
    spare = MockBackend([MockStream(["spare"])], endpoint="mock://spare",
                        sleep=fake_clock.sleep)
    run = pipeline(primary, fake_clock, spare)
    records = []
    run.listeners.append(records.append)
    drain(run)
    [record] = records
    assert (len(record.attempts), record.retries) == (3, 1)
    assert record.fallback_used and record.answered_by == spare.identity()
    assert run.metrics.snapshot()["retry_count"] == 1


def test_a_stream_whose_every_backend_fails_raises_the_group_of_their_failures(
        fake_clock, drain) -> None:
    from unified import FallbackExceptionGroup

    primary = MockBackend([MockStream(WORDS)], errors=[ServerError("p")] * 2,
                          sleep=fake_clock.sleep)
    spare = MockBackend([MockStream(["s"])], errors=[ServerError("s")] * 2,
                        endpoint="mock://spare", sleep=fake_clock.sleep)
    run = pipeline(primary, fake_clock, spare)
    with pytest.raises(FallbackExceptionGroup) as caught:
        drain(run)
    assert [str(e) for e in caught.value.exceptions] == ["p", "s"]


def test_a_guard_layer_without_stream_semantics_answers_a_stream_in_one_chunk(
        fake_clock, drain) -> None:
    from unified._features.base import Layer

    calls = []

    class Counting(Layer):
        def complete(self, request):
            calls.append(request)
            return self.inner.complete(request)

        async def acomplete(self, request):
            calls.append(request)
            return await self.inner.acomplete(request)

    backend = MockBackend([MockStream(WORDS)], sleep=fake_clock.sleep)
    run = Pipeline([backend], UnifiedConfig(backend="mock"), clock=fake_clock.as_clock(),
                   guards=(Counting,))
    deltas = drain(run)
    assert "".join(texts(deltas)) == "".join(WORDS) and len(calls) == 1
