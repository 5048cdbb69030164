"""The AWS event-stream encoding of the moto extension, checked with botocore's decoder."""

from __future__ import annotations

import json

from botocore.eventstream import EventStreamBuffer

from harness.stack.moto_eventstream import converse_stream_body, encode_message


def decoded(data: bytes) -> list[tuple[dict, dict]]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return [(dict(m.headers), json.loads(m.payload)) for m in buffer]


def test_one_message_decodes_with_its_headers_and_payload() -> None:
    [(headers, payload)] = decoded(encode_message({":event-type": "x"}, b'{"a": 1}'))
    assert headers == {":event-type": "x"} and payload == {"a": 1}


def test_a_converse_stream_is_start_deltas_stop_and_metadata_in_order() -> None:
    events = decoded(converse_stream_body("a b", ("a ", "b"), "end_turn", 3, 2))
    assert [h[":event-type"] for h, _ in events] == [
        "messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockStop",
        "messageStop", "metadata"]
    assert [p["delta"]["text"] for h, p in events if h[":event-type"] == "contentBlockDelta"] \
        == ["a ", "b"]
    assert events[-1][1]["usage"] == {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}


def test_a_failing_stream_ends_with_an_exception_message_after_its_chunks() -> None:
    events = decoded(converse_stream_body("a b c", None, "end_turn", 1, 3, fail_after=1))
    assert [h[":message-type"] for h, _ in events] == ["event", "event", "exception"]
    assert events[-1][0][":exception-type"] == "modelStreamErrorException"
