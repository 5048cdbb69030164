"""DirectBackend streaming: litellm ``stream=True`` against the scripted upstream."""

from __future__ import annotations

import asyncio

import pytest

from harness.stack.upstream import Fault, Reply
from suites.unit.backends.stream_checks import assert_stream_matches_complete
from unified import ConnectionError, LMRequest, Message, UnifiedConfig
from unified._backends.direct import DirectBackend
from unified._stream import StreamEnd, TextDelta

REQUEST = LMRequest("m", [Message("user", "say hi")], params={"max_tokens": 64})


def backend_for(upstream) -> DirectBackend:
    return DirectBackend(UnifiedConfig(backend="direct", model="openai/scripted-model",
                                       api_base=upstream.base_url, api_key="sk-test"))


def test_litellm_chunks_arrive_as_text_deltas_then_the_end_with_usage(upstream) -> None:
    upstream.script(Reply("a b c", chunks=("a ", "b ", "c")))
    deltas = list(backend_for(upstream).stream(REQUEST))
    assert [d for d in deltas if isinstance(d, TextDelta)] == \
        [TextDelta("a "), TextDelta("b "), TextDelta("c")]
    assert isinstance(deltas[-1], StreamEnd) and deltas[-1].usage.output_tokens == 3
    assert upstream.chat_requests[0].json["stream"] is True


def test_the_assembled_stream_equals_the_non_streaming_answer(upstream) -> None:
    upstream.rules({"say hi": "hello there friend"})
    assert_stream_matches_complete(backend_for(upstream), REQUEST)


def test_a_cut_stream_is_a_connection_error_after_the_chunks_received(upstream) -> None:
    upstream.script(Fault(kind="drop", after_chunks=2))
    upstream.rules({"say hi": "one two three four"})
    got = []
    with pytest.raises(ConnectionError):
        for delta in backend_for(upstream).stream(REQUEST):
            got.append(delta)
    assert [d.text for d in got] == ["one ", "two "]


def test_async_streams_read_the_same_chunks(upstream) -> None:
    upstream.script(Reply("a b", chunks=("a ", "b")))

    async def collect():
        return [d async for d in backend_for(upstream).astream(REQUEST)]

    deltas = asyncio.run(collect())
    assert [d.text for d in deltas if isinstance(d, TextDelta)] == ["a ", "b"]
