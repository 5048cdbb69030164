"""The wall pairs' injected slowdowns (the self-test's wall mutants)."""

from __future__ import annotations

import time

from harness.perf.subjects import Workload
from harness.perf.wall import slowed


def _timed_workload(spent: list[float]) -> Workload:
    def run(n: int) -> None:
        began = time.perf_counter()
        time.sleep(0.005 * n)
        spent.append(time.perf_counter() - began)

    return Workload("sleeper", run)


def test_a_share_slowdown_adds_at_least_that_share_of_the_operations_own_time() -> None:
    spent: list[float] = []
    load = slowed(_timed_workload(spent), {"share": 0.5})
    began = time.perf_counter()
    load.run(4)
    assert time.perf_counter() - began >= 1.5 * spent[0]


def test_no_inject_leaves_the_workload_as_it_is() -> None:
    load = _timed_workload([])
    assert slowed(load, None) is load
    assert slowed(load, {}) is load
