"""Streaming scenarios on every network backend, through a whole wrapper (retry,
cache, validation): plain, a failure before the first chunk, a disconnect after some
chunks, a cache repeat, a validation failure. Each compares the chunks and the
assembled answer with the non-streaming answer to the same script."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from harness.stack.moto_bedrock import BedrockFault, BedrockReply
from harness.stack.upstream import Fault, Reply
from unified import (
    CacheConfig,
    Clock,
    LMRequest,
    Message,
    RetryConfig,
    StreamInterruptedError,
    UnifiedConfig,
    UnifiedDSPyWrapper,
    ValidationConfig,
    ValidationError,
)
from unified._stream import TextDelta

PIECES = ("one ", "two ", "three ", "four ", "five ", "six")
TEXT = "".join(PIECES)
REQUEST = LMRequest("m", [Message("user", "tell me")], params={"max_tokens": 32})


@dataclass
class Side:
    """One backend's script: how to answer, fail first, or drop mid-stream."""

    config: dict[str, Any]
    answer: Any
    fail_first: Any
    drop: Any
    script: Any
    calls: Any


@pytest.fixture(params=["gateway", "direct", "bedrock"])
def side(request, upstream) -> Iterator[Side]:
    if request.param == "bedrock":
        bedrock = request.getfixturevalue("bedrock")
        yield Side({"backend": "bedrock", "model": "claude-3-haiku"},
                   BedrockReply(TEXT, chunks=PIECES),
                   BedrockFault("ServiceUnavailableException"),
                   BedrockReply(TEXT, chunks=PIECES, fail_after=3), bedrock.script,
                   lambda: len(bedrock.calls))
        return
    config = ({"backend": "gateway", "gateway_uri": upstream.url, "gateway_route": "openai",
               "gateway_endpoint": "chat"} if request.param == "gateway" else
              {"backend": "direct", "model": "openai/scripted-model",
               "api_base": upstream.base_url, "api_key": "sk-test"})
    upstream.rules({"tell me": Reply(TEXT, chunks=PIECES)})
    yield Side(config, Reply(TEXT, chunks=PIECES), Fault(503),
               Fault(kind="drop", after_chunks=3), upstream.script,
               lambda: len(upstream.chat_requests))


def wrapper(side: Side, **changes: Any) -> UnifiedDSPyWrapper:
    settings = {"retry": RetryConfig(max_retries=1, base_delay=0.0, jitter=0.0),
                "cache": CacheConfig(enabled=True), **side.config, **changes}
    return UnifiedDSPyWrapper(UnifiedConfig(**settings), clock=Clock(sleep=lambda s: None))


@pytest.fixture(params=["sync", "async"])
def chunks(request) -> Any:
    """Read a wrapper's stream (``stream``, or the natively async ``astream`` over the
    backend's own async stream) as texts, kept in ``into`` as they arrive."""

    def read(run: UnifiedDSPyWrapper, into: list[str] | None = None) -> list[str]:
        got = [] if into is None else into

        def take(delta: Any) -> None:
            if isinstance(delta, TextDelta):
                got.append(delta.text)

        async def drain() -> None:
            async for delta in run.pipeline.astream(REQUEST):
                take(delta)

        if request.param == "async":
            asyncio.run(drain())
        else:
            for delta in run.pipeline.stream(REQUEST):
                take(delta)
        return got

    return read


def test_plain_streams_the_scripted_chunks_and_assembles_to_the_non_streaming_answer(
        side, chunks) -> None:
    side.script(side.answer, side.answer)
    with wrapper(side, cache=None) as run:
        assert chunks(run) == list(PIECES)
        assert run.pipeline.complete(REQUEST).text == TEXT


def test_a_failure_before_the_first_chunk_is_retried_into_one_clean_stream(
        side, chunks) -> None:
    side.script(side.fail_first, side.answer)
    with wrapper(side) as run:
        assert chunks(run) == list(PIECES)
        assert side.calls() == 2 and len(run.pipeline.cache.memory) == 1


def test_a_disconnect_after_three_chunks_is_interrupted_after_one_attempt_and_not_cached(
        side, chunks) -> None:
    side.script(side.drop)
    got: list[str] = []
    with wrapper(side) as run:
        with pytest.raises(StreamInterruptedError) as caught:
            chunks(run, got)
        assert got == list(PIECES[:3]) and caught.value.partial_text == "".join(PIECES[:3])
        assert side.calls() == 1 and len(run.pipeline.cache.memory) == 0


def test_a_repeat_is_replayed_from_the_cache_as_a_stream(
        side, chunks) -> None:
    side.script(side.answer)
    with wrapper(side) as run:
        first = chunks(run)
        again = chunks(run)
        assert "".join(again) == "".join(first) == TEXT and side.calls() == 1


def test_a_validation_failure_comes_after_every_chunk_and_is_not_cached(
        side, chunks) -> None:
    side.script(side.answer)
    got: list[str] = []
    with wrapper(side, validation=ValidationConfig(required_keywords=["absent"])) as run:
        with pytest.raises(ValidationError):
            chunks(run, got)
        assert got == list(PIECES) and len(run.pipeline.cache.memory) == 0
