"""BedrockBackend streaming: ``converse_stream`` on moto (event-stream encoded by the
pinned extension), chunk by chunk, and failures before and during the stream."""

from __future__ import annotations

import asyncio

import pytest

from harness.stack.moto_bedrock import BedrockFault, BedrockReply
from suites.unit.backends.stream_checks import assert_stream_matches_complete
from unified import LMRequest, Message, RateLimitError, ServerError, UnifiedConfig
from unified._backends.bedrock import BedrockBackend
from unified._backends.bedrock_stream import BedrockStreamState, event_deltas
from unified._stream import StreamEnd, TextDelta, ToolCallDelta

REQUEST = LMRequest("m", [Message("user", "say hi")], system="Be brief.",
                    params={"max_tokens": 64})


def backend() -> BedrockBackend:
    return BedrockBackend(UnifiedConfig(backend="bedrock", model="claude-3-haiku"))


def test_converse_stream_chunks_arrive_one_delta_each_then_stop_reason_and_usage(
        bedrock) -> None:
    bedrock.script(BedrockReply("a b c", chunks=("a ", "b ", "c")))
    deltas = list(backend().stream(REQUEST))
    assert deltas[:3] == [TextDelta("a "), TextDelta("b "), TextDelta("c")]
    end = deltas[-1]
    assert isinstance(end, StreamEnd) and end.finish_reason == "stop"
    assert end.usage.output_tokens == 3
    assert bedrock.calls[0].operation == "converse_stream"


def test_the_assembled_stream_equals_the_converse_answer(bedrock) -> None:
    bedrock.responder = lambda call: BedrockReply("hello there friend")
    assert_stream_matches_complete(backend(), REQUEST)


def test_an_exception_event_mid_stream_raises_after_the_chunks_before_it(bedrock) -> None:
    bedrock.script(BedrockReply("one two three four", fail_after=2))
    got = []
    with pytest.raises(ServerError):
        for delta in backend().stream(REQUEST):
            got.append(delta)
    assert got == [TextDelta("one "), TextDelta("two ")]


def test_a_fault_before_the_stream_maps_like_converse(bedrock) -> None:
    bedrock.script(BedrockFault("ThrottlingException"))
    with pytest.raises(RateLimitError):
        list(backend().stream(REQUEST))


def test_async_streams_read_the_same_chunks(bedrock) -> None:
    bedrock.script(BedrockReply("a b", chunks=("a ", "b")))

    async def collect():
        return [d async for d in backend().astream(REQUEST)]

    assert [d for d in asyncio.run(collect()) if isinstance(d, TextDelta)] == \
        [TextDelta("a "), TextDelta("b")]


def test_tool_use_blocks_become_tool_call_deltas() -> None:
    state = BedrockStreamState()
    events = [{"contentBlockStart": {"contentBlockIndex": 1, "start": {
                  "toolUse": {"toolUseId": "t1", "name": "search"}}}},
              {"contentBlockDelta": {"contentBlockIndex": 1,
                                     "delta": {"toolUse": {"input": '{"q": 1}'}}}},
              {"messageStop": {"stopReason": "tool_use"}}]
    deltas = [d for e in events for d in event_deltas(e, state)]
    assert deltas == [ToolCallDelta(0, "t1", "search"), ToolCallDelta(0, arguments='{"q": 1}')]
    assert state.stop_reason == "tool_calls"
