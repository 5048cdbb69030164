"""500 concurrent ``await module.acall(...)`` through the gateway backend against a local
server answering after 50 ms (group ``async``): the issue 12 target is under 2 s on 2 CPUs
with at most 20 threads alive."""

from __future__ import annotations

import pytest

from suites.reliability.asyncload import run_concurrently, slow_server


@pytest.mark.benchmark(group="async")
def test_500_concurrent_acalls_through_the_gateway(benchmark) -> None:
    """One round of 500 concurrent acalls; the peak thread count is kept in extra_info."""
    with slow_server(0.05) as url:
        run_concurrently(url, 20)  # warm: imports, first connections
        results, _, peak = benchmark.pedantic(run_concurrently, args=(url, 500), rounds=3,
                                              iterations=1)
    benchmark.extra_info["peak_threads"] = peak
    assert len(results) == 500 and peak <= 20
