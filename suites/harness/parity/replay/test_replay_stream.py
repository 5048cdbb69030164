"""Recorded streams: a cassette keeps every SSE event as its own chunk, replays them in
order, scrubs volatile fields per event and holds no secret."""

from __future__ import annotations

from harness.parity.replay.http import make_vcr
from harness.parity.replay.lint import scan_for_secrets
from harness.parity.replay.sse import scrub_sse
from harness.stack.upstream import Reply
from suites.harness.parity.replay.cassette_roundtrip import record_then_replay
from unified import LMRequest, Message, UnifiedConfig
from unified._backends.gateway import GatewayBackend
from unified._stream import TextDelta

KEY = "gw-secret-stream-5e1d"
REQUEST = LMRequest("m", [Message("user", "stream it")])


def stream_texts(uri: str) -> list[str]:
    backend = GatewayBackend(UnifiedConfig(backend="gateway", gateway_uri=uri,
                                           gateway_endpoint="chat", gateway_route="openai",
                                           gateway_api_key=KEY))
    with backend:
        return [d.text for d in backend.stream(REQUEST) if isinstance(d, TextDelta)]


def test_a_recorded_stream_replays_the_same_chunks_in_order_without_the_server(
        upstream, tmp_path) -> None:
    recorded, replayed = record_then_replay(
        upstream, str(tmp_path / "stream.yaml"), stream_texts,
        Reply("alpha beta gamma", chunks=("alpha ", "beta ", "gamma")))
    assert recorded == replayed == ["alpha ", "beta ", "gamma"]


def test_a_recorded_stream_has_volatile_fields_scrubbed_and_no_secret(upstream, tmp_path) -> None:
    upstream.script(Reply("a b", chunks=("a ", "b")))
    cassette = tmp_path / "stream.yaml"
    with make_vcr(record=True).use_cassette(str(cassette)):
        stream_texts(upstream.url)
    text = cassette.read_text()
    assert "chatcmpl-1" not in text and "recorded-id" in text
    assert scan_for_secrets(text, [KEY]) == []


def test_scrubbing_keeps_every_event_boundary() -> None:
    raw = b'data: {"id": "x", "n": 1}\n\ndata: {"id": "y", "n": 2}\n\ndata: [DONE]\n\n'
    assert scrub_sse(raw, {"id": "r"}) == (b'data: {"id": "r", "n": 1}\n\n'
                                           b'data: {"id": "r", "n": 2}\n\ndata: [DONE]\n\n')


def test_a_recorded_bedrock_converse_stream_keeps_its_chunk_boundaries_and_cut() -> None:
    from harness.parity.replay.bedrock import _response_of, _step_of
    from harness.stack.moto_bedrock import BedrockReply

    reply = BedrockReply("one two three", chunks=("one t", "wo three"), fail_after=1)
    step = _step_of(_response_of(reply, (2, 3)))
    assert isinstance(step, BedrockReply)
    assert (step.chunks, step.fail_after) == (("one t", "wo three"), 1)


def test_a_bedrock_converse_stream_call_is_recorded_under_its_own_path() -> None:
    from harness.parity.replay.bedrock import _path
    from harness.stack.moto_bedrock import BedrockCall

    call = BedrockCall("converse_stream", "anthropic.m-v1:0", {})
    assert _path(call) == "/model/anthropic.m-v1%3A0/converse-stream"
