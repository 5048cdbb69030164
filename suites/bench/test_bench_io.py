"""HTTP overhead of the gateway and direct backends against a raw httpx POST to the same
local server (group ``http``), and ``batch`` throughput by worker count (group ``batch``)."""

from __future__ import annotations

import pytest

from harness.perf.subjects import Workload, batch_workload, http_workloads

BATCH_ITEMS = 16
BATCH_LATENCY = 0.005


@pytest.mark.benchmark(group="http")
@pytest.mark.parametrize("client", ["raw", "gateway", "direct"])
def test_http(benchmark, workload: list[Workload], upstream_url: str, client: str) -> None:
    """One chat completion from the scripted upstream on 127.0.0.1."""
    loads = http_workloads(upstream_url, direct=client == "direct")
    workload.extend(loads.values())
    loads[client].run(3)  # connect and warm up outside the measurement
    benchmark(loads[client].run, 1)


@pytest.mark.benchmark(group="batch")
@pytest.mark.parametrize("workers", [1, 2, 4, 8])
def test_batch(benchmark, workload: list[Workload], workers: int) -> None:
    """``wrapper.batch`` of 16 calls on a backend answering after 5 ms: the time should
    fall with the worker count until the latency is hidden (ideal: 16 x 5 ms / workers)."""
    load = batch_workload(workers, items=BATCH_ITEMS, latency=BATCH_LATENCY)
    workload.append(load)
    benchmark.extra_info.update(items=BATCH_ITEMS, latency_s=BATCH_LATENCY,
                                ideal_s=BATCH_ITEMS * BATCH_LATENCY / workers)
    benchmark.pedantic(load.run, args=(1,), rounds=8, warmup_rounds=1)
