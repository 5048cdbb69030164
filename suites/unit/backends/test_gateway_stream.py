"""GatewayBackend streaming: SSE from the scripted upstream (OpenAI route) and through
the real MLflow gateway process, chunk by chunk, and its failures."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from harness.stack.upstream import Fault, Reply
from suites.unit.backends.stream_checks import assert_stream_matches_complete
from unified import ConnectionError, LMRequest, Message, ServerError, UnifiedConfig
from unified._backends.gateway import GatewayBackend
from unified._stream import StreamAssembler, StreamEnd, TextDelta

REQUEST = LMRequest("m", [Message("user", "say hi")], params={"max_tokens": 64})


def backend(uri: str, route: str = "openai") -> GatewayBackend:
    return GatewayBackend(UnifiedConfig(backend="gateway", gateway_uri=uri,
                                        gateway_endpoint="chat", gateway_route=route))


def assembled(deltas) -> StreamAssembler:
    out = StreamAssembler()
    for delta in deltas:
        out.push(delta)
    return out


def test_the_scripted_upstreams_chunks_arrive_one_delta_each_with_usage_at_the_end(
        upstream) -> None:
    upstream.script(Reply("a b c", chunks=("a ", "b ", "c")))
    with backend(upstream.url) as gateway:
        deltas = list(gateway.stream(REQUEST))
    assert deltas[:3] == [TextDelta("a "), TextDelta("b "), TextDelta("c")]
    end = deltas[-1]
    assert isinstance(end, StreamEnd) and end.finish_reason == "stop"
    assert end.usage is not None and end.usage.output_tokens == 3
    body = upstream.chat_requests[0].json
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_the_assembled_stream_equals_the_non_streaming_answer(upstream) -> None:
    upstream.rules({"say hi": "hello there friend"})
    with backend(upstream.url) as gateway:
        assert_stream_matches_complete(gateway, REQUEST)


def test_a_stream_cut_after_some_chunks_is_a_connection_error_after_those_chunks(
        upstream) -> None:
    upstream.script(Fault(kind="drop", after_chunks=2))
    upstream.rules({"say hi": "one two three four"})
    got = []
    with backend(upstream.url) as gateway, pytest.raises(ConnectionError):
        for delta in gateway.stream(REQUEST):
            got.append(delta)
    assert got == [TextDelta("one "), TextDelta("two ")]


def test_an_error_status_before_the_stream_maps_like_a_non_streaming_call(upstream) -> None:
    upstream.script(Fault(503))
    with backend(upstream.url) as gateway, pytest.raises(ServerError) as caught:
        list(gateway.stream(REQUEST))
    assert caught.value.status == 503


def test_a_json_answer_to_a_stream_request_is_served_as_one_chunk_with_a_logged_reason(
        caplog) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"choices": [{"message": {"content": "whole"},
                                                      "finish_reason": "stop"}]})

    gateway = GatewayBackend(UnifiedConfig(backend="gateway", gateway_uri="http://gw",
                                           gateway_endpoint="chat"),
                             transport=httpx.MockTransport(handler))
    with caplog.at_level(logging.INFO, logger="unified._backends.gateway"):
        deltas = list(gateway.stream(REQUEST))
    assert deltas[0] == TextDelta("whole") and isinstance(deltas[-1], StreamEnd)
    assert "served as one chunk" in caplog.text


def sse_backend(body: bytes) -> GatewayBackend:
    """A gateway backend whose server answers ``body`` as an SSE stream."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    return GatewayBackend(UnifiedConfig(backend="gateway", gateway_uri="http://gw",
                                        gateway_endpoint="chat"),
                          transport=httpx.MockTransport(handler))


def test_a_malformed_sse_line_is_a_server_error() -> None:
    with pytest.raises(ServerError):
        list(sse_backend(b"data: {not json\n\n").stream(REQUEST))


def test_a_stream_that_stops_without_its_finish_reason_is_a_connection_error() -> None:
    with pytest.raises(ConnectionError):
        list(sse_backend(b'data: {"choices":[{"delta":{"content":"x"}}]}\n\n').stream(REQUEST))


def test_async_streams_read_the_same_chunks(upstream) -> None:
    upstream.script(Reply("a b", chunks=("a ", "b")))

    async def collect():
        gateway = backend(upstream.url)
        try:
            return [d async for d in gateway.astream(REQUEST)]
        finally:
            await gateway.aclose()

    deltas = asyncio.run(collect())
    assert deltas[:2] == [TextDelta("a "), TextDelta("b")]


@pytest.mark.parametrize("route", ["endpoints", "openai", "legacy"])
def test_the_real_gateway_forwards_the_upstreams_stream_on_every_route(gateway, route) -> None:
    gateway.upstream.script(Reply("x y z", chunks=("x ", "y ", "z")))
    with backend(gateway.gateway_url, route) as client:
        deltas = list(client.stream(REQUEST))
    assert [d for d in deltas if isinstance(d, TextDelta)] == \
        [TextDelta("x "), TextDelta("y "), TextDelta("z")]
    assert deltas[-1].usage.output_tokens == 3


def test_through_the_real_gateway_an_upstream_503_before_the_stream_is_retried_cleanly(
        gateway) -> None:
    from unified import Clock, RetryConfig, UnifiedDSPyWrapper

    gateway.upstream.script(Fault(503), Reply("x y", chunks=("x ", "y")))
    config = UnifiedConfig(backend="gateway", gateway_uri=gateway.gateway_url,
                           gateway_endpoint="chat",
                           retry=RetryConfig(max_retries=1, base_delay=0.0, jitter=0.0))
    with UnifiedDSPyWrapper(config, clock=Clock(sleep=lambda s: None)) as wrapper:
        deltas = list(wrapper.pipeline.stream(REQUEST))
    assert [d.text for d in deltas if isinstance(d, TextDelta)] == ["x ", "y"]
    assert len(gateway.upstream.chat_requests) == 2


def test_through_the_real_gateway_a_drop_after_three_chunks_is_an_interrupted_stream(
        gateway) -> None:
    from unified import Clock, RetryConfig, StreamInterruptedError, UnifiedDSPyWrapper

    gateway.upstream.script(Fault(kind="drop", after_chunks=3))
    gateway.upstream.rules({"say hi": "a b c d e"})
    config = UnifiedConfig(backend="gateway", gateway_uri=gateway.gateway_url,
                           gateway_endpoint="chat",
                           retry=RetryConfig(max_retries=2, base_delay=0.0, jitter=0.0))
    got = []
    with UnifiedDSPyWrapper(config, clock=Clock(sleep=lambda s: None)) as wrapper, \
            pytest.raises(StreamInterruptedError) as caught:
        for delta in wrapper.pipeline.stream(REQUEST):
            got.append(delta)
    assert caught.value.partial_text == "a b c " and len(got) == 3
    assert len(gateway.upstream.chat_requests) == 1
