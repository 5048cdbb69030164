"""``dspy.streamify`` through the wrapper: chunks reach a StreamListener while the
upstream is still sending, on every streaming backend, sync and async, and the
assembled answer equals the non-streaming one; many async streams stay separate."""

from __future__ import annotations

import asyncio
import time

import dspy
import pytest

from harness.stack.upstream import Reply
from unified import MockBackend, UnifiedConfig, UnifiedDSPyWrapper
from unified._backends.mock import MockStream

WORDS = tuple(f"w{i} " for i in range(1, 19))
CHUNKS = ("[[ ## answer ## ]]\n", *WORDS, "\n\n[[ ## completed ## ]]")   # 20 chunks
ANSWER = "".join(WORDS).strip()
GAP = 0.05


class TimedListener(dspy.streaming.StreamListener):
    """A StreamListener that notes when each chunk reaches it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.arrivals: list[float] = []

    def receive(self, chunk):  # noqa: ANN001 - DSPy's signature
        if getattr(chunk.choices[0].delta, "content", None):
            self.arrivals.append(time.perf_counter())
        return super().receive(chunk)


def run_streamed(wrapper: UnifiedDSPyWrapper, *, sync: bool) -> tuple[TimedListener, str]:
    listener = TimedListener("answer")
    program = dspy.streamify(dspy.Predict("question -> answer"), stream_listeners=[listener],
                             async_streaming=not sync)
    with dspy.context(lm=wrapper.lm):
        if sync:
            outputs = list(program(question="q"))
        else:
            async def collect():
                return [x async for x in program(question="q")]

            outputs = asyncio.run(collect())
    [prediction] = [o for o in outputs if isinstance(o, dspy.Prediction)]
    streamed = "".join(o.chunk for o in outputs
                       if isinstance(o, dspy.streaming.StreamResponse))
    assert streamed.strip() == prediction.answer
    return listener, prediction.answer


def non_streamed(wrapper: UnifiedDSPyWrapper) -> str:
    with dspy.context(lm=wrapper.lm):
        return dspy.Predict("question -> answer")(question="q").answer


def third_chunk_sent_at(upstream) -> float:
    """When the upstream sent its third content chunk (of the latest stream)."""
    latest = max(s.request for s in upstream.sent)
    content = [s for s in upstream.sent if s.request == latest and s.content]
    assert len(content) == len(CHUNKS)
    return content[2].at


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_through_the_real_gateway_the_first_chunk_arrives_before_the_third_is_sent(
        gateway, sync) -> None:
    gateway.upstream.rules({"q": Reply("".join(CHUNKS), chunks=CHUNKS, chunk_delay=GAP)})
    config = UnifiedConfig(backend="gateway", gateway_uri=gateway.gateway_url,
                           gateway_endpoint="chat")
    with UnifiedDSPyWrapper(config) as wrapper:
        listener, answer = run_streamed(wrapper, sync=sync)
        assert listener.arrivals[0] < third_chunk_sent_at(gateway.upstream)
        assert answer == ANSWER == non_streamed(wrapper)


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_through_litellm_the_first_chunk_arrives_before_the_third_is_sent(
        upstream, sync) -> None:
    upstream.rules({"q": Reply("".join(CHUNKS), chunks=CHUNKS, chunk_delay=GAP)})
    config = UnifiedConfig(backend="direct", model="openai/scripted-model",
                           api_base=upstream.base_url, api_key="sk-test")
    with UnifiedDSPyWrapper(config) as wrapper:
        # litellm's first stream in a process spends ~0.8 s on lazy imports once the
        # request is out; the stream measured is the second one.
        run_streamed(wrapper, sync=True)
        listener, answer = run_streamed(wrapper, sync=sync)
        assert listener.arrivals[0] < third_chunk_sent_at(upstream)
        assert answer == ANSWER == non_streamed(wrapper)
        assert len(upstream.chat_requests) == 3     # no cache: every call went out


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_through_the_mock_the_first_chunk_arrives_before_the_third_is_produced(sync) -> None:
    produced: list[float] = []

    def sleep(seconds: float) -> None:     # the mock sleeps before each chunk it yields
        time.sleep(seconds)
        produced.append(time.perf_counter())

    backend = MockBackend([MockStream(CHUNKS, delay=GAP)], sleep=sleep)
    with UnifiedDSPyWrapper(UnifiedConfig(backend="mock"), backend=backend) as wrapper:
        listener, answer = run_streamed(wrapper, sync=sync)
        assert listener.arrivals[0] < produced[2]
        assert answer == ANSWER == non_streamed(wrapper)


def test_fifty_concurrent_async_streams_through_one_wrapper_keep_their_chunks_apart(
        gateway) -> None:
    def numbered(body):
        tag = body["messages"][-1]["content"].rsplit("#", 1)[-1]
        pieces = tuple(f"{tag}.{i} " for i in range(8))
        return Reply("".join(pieces), chunks=pieces, chunk_delay=0.01)

    gateway.upstream.responder = numbered
    config = UnifiedConfig(backend="gateway", gateway_uri=gateway.gateway_url,
                           gateway_endpoint="chat")
    from unified._stream import TextDelta
    from unified._types import LMRequest, Message

    async def one(pipeline, tag: int) -> list[str]:
        request = LMRequest("m", [Message("user", f"stream #{tag}")])
        return [d.text async for d in pipeline.astream(request) if isinstance(d, TextDelta)]

    async def all_of(pipeline):
        return await asyncio.gather(*(one(pipeline, tag) for tag in range(50)))

    with UnifiedDSPyWrapper(config) as wrapper:
        results = asyncio.run(all_of(wrapper.pipeline))
    for tag, texts in enumerate(results):
        assert texts == [f"{tag}.{i} " for i in range(8)]


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_through_bedrock_the_first_chunk_arrives_before_the_third_is_sent(sync) -> None:
    from harness.stack.moto_bedrock import BedrockReply, bedrock_server

    with bedrock_server() as server:
        server.script.responder = lambda call: BedrockReply(
            "".join(CHUNKS), chunks=CHUNKS, chunk_delay=GAP)
        config = UnifiedConfig(backend="bedrock", model="claude-3-haiku",
                               bedrock_endpoint_url=server.url)
        with UnifiedDSPyWrapper(config) as wrapper:
            listener, answer = run_streamed(wrapper, sync=sync)
            assert len(server.script.sent) == len(CHUNKS)
            assert listener.arrivals[0] < server.script.sent[2]
            assert answer == ANSWER == non_streamed(wrapper)


def test_a_cached_repeat_reaches_the_listener_as_chunks_without_a_backend_call() -> None:
    from unified import CacheConfig

    backend = MockBackend([MockStream(CHUNKS)])
    config = UnifiedConfig(backend="mock", cache=CacheConfig(enabled=True))
    with UnifiedDSPyWrapper(config, backend=backend) as wrapper:
        first, answer = run_streamed(wrapper, sync=True)
        again, repeat = run_streamed(wrapper, sync=True)
    assert backend.call_count == 1 and repeat == answer == ANSWER
    assert len(again.arrivals) > 1
