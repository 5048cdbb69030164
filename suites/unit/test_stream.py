"""Canonical stream deltas: assembling them, and a finished response as deltas."""

from __future__ import annotations

from unified._stream import (
    PartDelta,
    StreamAssembler,
    StreamEnd,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    response_deltas,
)
from unified._types import (
    CitationPart,
    Continuation,
    LMResponse,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)


def assemble(deltas) -> StreamAssembler:
    out = StreamAssembler()
    for delta in deltas:
        out.push(delta)
    return out


def test_text_deltas_assemble_into_a_plain_text_response() -> None:
    done = assemble([TextDelta("a "), TextDelta("b"), StreamEnd("length", Usage(2, 2), "id1")])
    response = done.response(backend="mock")
    assert (response.text, response.parts, response.finish_reason, response.id) == \
        ("a b", (), "length", "id1")
    assert response.usage == Usage(2, 2) and response.backend == "mock"


def test_thinking_text_and_tool_call_fragments_assemble_in_order_of_first_appearance() -> None:
    done = assemble([ThinkingDelta("hm"), TextDelta("x"), ToolCallDelta(0, "c1", "f", '{"a"'),
                     ToolCallDelta(0, arguments=": 1}"), ThinkingDelta("m"), StreamEnd()])
    assert done.parts() == (ThinkingPart("hmm"), TextPart("x"), ToolCallPart("c1", "f", {"a": 1}))


def test_the_text_so_far_is_readable_before_the_end() -> None:
    partial = assemble([TextDelta("a "), TextDelta("b")])
    assert partial.text == "a b" and not partial.finished and len(partial.chunks) == 2


def test_a_response_as_deltas_assembles_back_to_the_same_response() -> None:
    response = LMResponse(parts=(ThinkingPart("t"), TextPart("x", (Continuation("p", "k", {}),)),
                                 ToolCallPart("c", "f", {"q": [1]}), CitationPart(url="u")),
                          finish_reason="tool_call", usage=Usage(3, 4), id="r")
    deltas = response_deltas(response)
    assert isinstance(deltas[-1], StreamEnd) and isinstance(deltas[3], PartDelta)
    assert assemble(deltas).response() == response


def test_fragments_alone_rebuild_every_part_but_provider_state() -> None:
    response = LMResponse(parts=(ThinkingPart("t"), TextPart("x"), ToolCallPart("c", "f", {"q": 1})),
                          finish_reason="tool_call", usage=Usage(3, 4))
    fragments = [d if not isinstance(d, StreamEnd) else StreamEnd(d.finish_reason, d.usage)
                 for d in response_deltas(response)]
    assert assemble(fragments).response() == response


def test_a_stored_plain_answer_replays_one_word_per_chunk_and_assembles_back_whole() -> None:
    from unified._stream import replay_deltas

    stored = LMResponse(text="[[ ## a ## ]]\nx y", usage=Usage(1, 2), cache_hit=True)
    deltas = replay_deltas(stored)
    assert [d.text for d in deltas[:-1]] == ["[[ ", "## ", "a ", "## ", "]]\n", "x ", "y"]
    assert assemble(deltas).response() == stored
