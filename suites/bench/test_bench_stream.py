"""Streaming overhead (group ``stream``): time to the first chunk, and a whole 40-chunk
stream, through the wrapper vs raw httpx reading the same SSE stream from the same
local server. The per-chunk overhead in µs is (wrapper - raw) whole stream / chunks."""

from __future__ import annotations

import pytest

from harness.perf.stream import CHUNKS, stream_reply, stream_workloads
from harness.perf.subjects import Workload


@pytest.mark.benchmark(group="stream")
@pytest.mark.parametrize("subject", ["raw-first", "wrapper-first", "raw-all", "wrapper-all"])
def test_stream(benchmark, workload: list[Workload], upstream, subject: str) -> None:
    """One streamed answer of the scripted upstream on 127.0.0.1."""
    upstream.responder = stream_reply
    loads = stream_workloads(upstream.url)
    workload.append(loads["raw-first"])          # its close() releases every client
    loads[subject].run(3)  # connect and warm up outside the measurement
    benchmark.extra_info.update(chunks=CHUNKS)
    benchmark(loads[subject].run, 1)
