"""MockBackend streaming: words as chunks, scripted chunks, delays and faults."""

from __future__ import annotations

import pytest

from unified import ConnectionError, MockBackend, ServerError
from unified._backends.mock import MockAnswer, MockStream
from unified._stream import StreamEnd, TextDelta
from unified._types import LMRequest, Message

REQUEST = LMRequest("m", [Message("user", "hi there")])


def test_a_plain_answer_streams_one_word_per_chunk_with_the_same_usage() -> None:
    backend = MockBackend(["hello big world"])
    deltas = list(backend.stream(REQUEST))
    assert deltas[:3] == [TextDelta("hello "), TextDelta("big "), TextDelta("world")]
    assert deltas[-1].usage == backend.complete(REQUEST).usage


def test_scripted_chunks_wait_their_delay_before_each_chunk() -> None:
    sleeps: list[float] = []
    backend = MockBackend([MockStream(["a", "b"], delay=0.2)], sleep=sleeps.append)
    assert [d.text for d in backend.stream(REQUEST) if isinstance(d, TextDelta)] == ["a", "b"]
    assert sleeps == [0.2, 0.2]


def test_a_scripted_fault_raises_after_its_chunks() -> None:
    backend = MockBackend([MockStream(["a", "b", "c"], fail_after=2, error=ServerError)])
    got = []
    with pytest.raises(ServerError):
        for delta in backend.stream(REQUEST):
            got.append(delta)
    assert got == [TextDelta("a"), TextDelta("b")]


def test_a_non_streaming_call_gets_the_assembled_stream_or_its_fault() -> None:
    backend = MockBackend([MockStream(["a ", "b"]), MockStream(["a"], fail_after=1)])
    assert backend.complete(REQUEST).text == "a b"
    with pytest.raises(ConnectionError):
        backend.complete(REQUEST)


def test_a_rich_answer_streams_its_parts() -> None:
    backend = MockBackend([MockAnswer(text="x", thinking="t", tool_calls=[("f", {"a": 1})])])
    deltas = list(backend.stream(REQUEST))
    assert isinstance(deltas[-1], StreamEnd) and deltas[-1].finish_reason == "tool_call"
    assert [type(d).__name__ for d in deltas[:-1]] == ["ThinkingDelta", "TextDelta",
                                                       "ToolCallDelta"]


def test_a_scripted_error_before_the_stream_is_raised_before_any_chunk() -> None:
    backend = MockBackend(["x"], errors=[ServerError("503")])
    with pytest.raises(ServerError):
        next(iter(backend.stream(REQUEST)))
