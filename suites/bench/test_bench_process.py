"""Whole-process costs: import time in fresh interpreters (group ``import``) and the
parity replay's throughput in scenarios per second (group ``parity``)."""

from __future__ import annotations

import pytest

from harness.perf.subjects import IMPORT_STATEMENTS, import_seconds, parity_replay


@pytest.mark.benchmark(group="import")
@pytest.mark.parametrize("label", list(IMPORT_STATEMENTS))
def test_import(benchmark, label: str) -> None:
    """``import dspy``, ``import unified`` and both (ready to use), each in a fresh
    interpreter; the import alone is timed inside the child."""
    statement = IMPORT_STATEMENTS[label]
    times: list[float] = []

    def one() -> None:
        times.append(import_seconds(statement)[0])

    benchmark.pedantic(one, rounds=5, warmup_rounds=1)
    times.sort()
    benchmark.extra_info["import_seconds_median"] = times[len(times) // 2]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the shims say so, by design
@pytest.mark.benchmark(group="parity")
def test_parity_replay(benchmark) -> None:
    """Every parity scenario through every implementation, replayed from cassettes."""
    replay = parity_replay()
    outcome: dict[str, int] = {}

    def one() -> None:
        outcome["scenarios"], outcome["failed"] = replay()

    benchmark.pedantic(one, rounds=2, warmup_rounds=0)
    benchmark.extra_info.update(outcome)
    benchmark.extra_info["scenarios_per_second"] = (
        outcome["scenarios"] / benchmark.stats.stats.median)
