"""Async end to end: 500 concurrent ``await module.acall(...)`` on one event loop through
the gateway backend, against a server answering after 50 ms, with few threads.

The wall time is reported (reliability report, and ``suites/bench/test_bench_async.py``),
not asserted tightly: a busy machine would break such a bound."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from suites.reliability.asyncload import run_concurrently, slow_server
from suites.reliability.conftest import ReliabilityReport

CALLS = 500
MAX_THREADS = 20
GENEROUS_SECONDS = 60.0


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with slow_server(0.05) as url:
        yield url


def test_500_concurrent_acalls_share_one_loop_and_at_most_20_threads(
        server_url: str, reliability_report: ReliabilityReport) -> None:
    import threading

    # threads other tests left in this process (servers, exporters) are not the run's:
    # the budget counts the main thread plus what the 500 calls start
    leftover = threading.active_count() - 1
    results, elapsed, peak = run_concurrently(server_url, CALLS)
    assert [r.answer for r in results] == ["ok"] * CALLS
    assert peak - leftover <= MAX_THREADS and elapsed < GENEROUS_SECONDS
    reliability_report.add("async", concurrent_acalls=CALLS, server_delay_s=0.05,
                           seconds=round(elapsed, 2), peak_threads=peak - leftover)
