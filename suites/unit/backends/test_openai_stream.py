"""The OpenAI stream parser: SSE lines and chunk dicts to canonical deltas."""

from __future__ import annotations

import json

import pytest

from unified._backends.openai_stream import MalformedChunk, OpenAIStreamParser
from unified._stream import TextDelta, ThinkingDelta, ToolCallDelta
from unified._types import Usage


def line(chunk: dict) -> str:
    return "data: " + json.dumps(chunk)


def test_content_reasoning_and_tool_call_fragments_become_deltas() -> None:
    parser = OpenAIStreamParser()
    deltas = parser.feed_line(line({"id": "c1", "choices": [{"delta": {
        "reasoning_content": "hm", "content": "hi",
        "tool_calls": [{"index": 1, "id": "t", "function": {"name": "f", "arguments": "{"}}]}}]}))
    assert deltas == [ThinkingDelta("hm"), TextDelta("hi"), ToolCallDelta(1, "t", "f", "{")]


def test_finish_reason_and_usage_chunk_make_the_end() -> None:
    parser = OpenAIStreamParser()
    parser.feed_line(line({"id": "c1", "choices": [{"delta": {}, "finish_reason": "length"}]}))
    parser.feed_line(line({"choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 2}}))
    assert parser.complete
    end = parser.end()
    assert (end.finish_reason, end.usage, end.id) == ("length", Usage(4, 2), "c1")


def test_comments_blank_lines_and_done_are_not_deltas() -> None:
    parser = OpenAIStreamParser()
    assert parser.feed_line(": keep-alive") == parser.feed_line("") == []
    assert parser.feed_line("data: [DONE]") == [] and parser.complete


def test_a_stream_without_finish_or_done_is_not_complete() -> None:
    parser = OpenAIStreamParser()
    parser.feed_line(line({"choices": [{"delta": {"content": "x"}}]}))
    assert not parser.complete


@pytest.mark.parametrize("bad", ["data: {oops", "data: [1]", 'data: {"error": {"message": "x"}}'])
def test_data_that_is_not_a_chunk_is_malformed(bad: str) -> None:
    with pytest.raises(MalformedChunk):
        OpenAIStreamParser().feed_line(bad)
