"""Streaming workloads for the perf gate: time to first chunk through the wrapper vs
raw httpx reading the same SSE stream from the same local server, and the per-chunk
overhead of the wrapper's stream path.

Both sides POST the same body (``"stream": true``) to one
:class:`~harness.stack.upstream.ScriptedUpstream` that answers :data:`CHUNKS` SSE chunks. A
"first chunk" operation opens the stream, reads until the first content chunk and
closes it; a "whole stream" operation reads every chunk.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from .measure import Subject
from .subjects import Workload, sample_request

__all__ = ["CHUNKS", "stream_reply", "stream_workloads", "stream_pair", "per_chunk_overhead_us"]

#: Content chunks per streamed answer.
CHUNKS = 40


def stream_reply(body: dict[str, Any]) -> Any:
    """The upstream's answer to every streamed request: :data:`CHUNKS` content chunks."""
    from ..stack.upstream import Reply

    pieces = tuple(f"t{i} " for i in range(CHUNKS))
    return Reply("".join(pieces), chunks=pieces)


def stream_workloads(upstream_url: str, *, stop: Callable[[], None] = lambda: None
                     ) -> dict[str, Workload]:
    """``raw-first``, ``wrapper-first``, ``raw-all``, ``wrapper-all`` against the server
    at ``upstream_url`` (answering streamed requests with :func:`stream_reply`).
    ``raw-first``'s ``close`` releases every client, then calls ``stop``."""
    import httpx

    from unified import BackendType, GatewayRoute, UnifiedConfig, UnifiedDSPyWrapper
    from unified._stream import TextDelta

    request = sample_request()
    wrapper = UnifiedDSPyWrapper(UnifiedConfig(
        backend=BackendType.GATEWAY, gateway_uri=upstream_url, gateway_route=GatewayRoute.OPENAI,
        model="chat"))
    pipeline = wrapper.pipeline
    backend: Any = wrapper.backend
    client = httpx.Client(transport=httpx.HTTPTransport(retries=0), timeout=30.0)
    url = upstream_url + "/v1/chat/completions"
    body = backend.stream_payload(request)

    def raw(first_only: bool) -> Callable[[int], None]:
        def run(n: int) -> None:
            for _ in range(n):
                with client.stream("POST", url, json=body) as reply:
                    for line in reply.iter_lines():
                        if line.startswith("data:") and line != "data: [DONE]":
                            delta = json.loads(line[5:])["choices"]
                            if first_only and delta and delta[0]["delta"].get("content"):
                                break
        return run

    def wrapped(first_only: bool) -> Callable[[int], None]:
        def run(n: int) -> None:
            for _ in range(n):
                deltas = pipeline.stream(request)
                for delta in deltas:
                    if first_only and isinstance(delta, TextDelta):
                        break
                deltas.close()  # type: ignore[attr-defined]
        return run

    def close() -> None:
        wrapper.close()
        client.close()
        stop()

    return {"raw-first": Workload("raw httpx SSE, first chunk", raw(True), close),
            "wrapper-first": Workload("wrapper stream, first chunk", wrapped(True)),
            "raw-all": Workload("raw httpx SSE, whole stream", raw(False)),
            "wrapper-all": Workload("wrapper stream, whole stream", wrapped(False))}


def stream_pair(inject: dict[str, Any] | None = None, regression: bool = False
                ) -> tuple[Subject, Subject]:
    """The perf gate's ``stream:first-chunk`` subjects, on an upstream in a process of
    their own (:mod:`harness.perf.upstream_process`): raw httpx (or, for the self-test's
    ``regression``, the clean wrapper) vs the wrapper, slowed as ``inject`` asks
    (:func:`harness.perf.wall.slowed`)."""
    from .upstream_process import UpstreamProcess
    from .wall import slowed

    upstream = UpstreamProcess().start()
    try:
        loads = stream_workloads(upstream.url, stop=upstream.stop)
    except BaseException:
        upstream.stop()
        raise
    raw, wrapper = loads["raw-first"], loads["wrapper-first"]
    baseline = Workload(wrapper.name, wrapper.run, raw.close) if regression else raw
    return baseline.subject(), slowed(wrapper, inject).subject()


def per_chunk_overhead_us(loads: dict[str, Workload], *, repeats: int = 9,
                          n: int = 40) -> float:
    """Median over ``repeats`` of (wrapper - raw) whole-stream time per chunk, in µs.

    Timed with ``time.process_time()``: CPU time of this process (client and the
    in-process server alike, so the server's share cancels out), which other processes'
    load on a shared machine does not inflate the way it inflates wall time.
    """
    def seconds(load: Workload) -> float:
        start = time.process_time()
        load.run(n)
        return (time.process_time() - start) / n

    loads["raw-all"].run(3)
    loads["wrapper-all"].run(3)
    samples = sorted((seconds(loads["wrapper-all"]) - seconds(loads["raw-all"])) / CHUNKS
                     for _ in range(repeats))
    return samples[len(samples) // 2] * 1e6
