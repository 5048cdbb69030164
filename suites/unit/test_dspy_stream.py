"""Canonical deltas as DSPy lm15 stream events (what the engine's ``stream`` yields)."""

from __future__ import annotations

from dspy import lm15
from dspy._vendor.lm15.result import StreamAccumulator

from unified._dspy_stream import lm15_events
from unified._stream import StreamEnd, TextDelta, ThinkingDelta, ToolCallDelta
from unified._types import Usage


def test_a_stream_becomes_start_deltas_on_their_own_parts_and_end() -> None:
    events = list(lm15_events(iter([
        ThinkingDelta("t"), TextDelta("a"), TextDelta(""), TextDelta("b"),
        ToolCallDelta(0, "c", "f", "{}"), StreamEnd("tool_calls", Usage(1, 2))]), "m"))
    assert events[0].type == "start" and events[-1].type == "end"
    deltas = [e.delta for e in events[1:-1]]
    assert [(d.type, d.part_index) for d in deltas] == [
        ("thinking", 0), ("text", 1), ("text", 1), ("tool_call", 2)]
    assert events[-1].finish_reason == "tool_call" and events[-1].usage.output_tokens == 2


def test_the_events_assemble_into_the_response_dspy_would_have_received() -> None:
    events = lm15_events(iter([TextDelta("hello "), TextDelta("world"),
                               StreamEnd("stop", Usage(3, 2))]), "m")
    accumulator = StreamAccumulator(lm15.Request(model="m", messages=(
        lm15.Message.user("hi"),)))
    for event in events:
        accumulator.push(event)
    response = accumulator.response()
    assert response.text == "hello world" and response.usage.input_tokens == 3
