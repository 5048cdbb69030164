"""The counted import pair: fresh interpreters under the instruction counter."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from harness.perf.count import Instrument, PerCall
from harness.perf.imports import (
    _voluntary_switches,
    count_statement,
    judge_import_pair,
    mutant_code,
)
from harness.perf.measure import GateConfig, PairResult

CACHEGRIND = Instrument("cachegrind", "test")
needs_valgrind = pytest.mark.skipif(shutil.which("valgrind") is None,
                                    reason="valgrind not installed (.ci/run installs it)")


def test_mutant_code_burns_the_asked_iterations_and_sleeps() -> None:
    code = mutant_code({"burn": 7, "sleep": 0.001})
    assert "_unified_perf_burn(7)" in code and "sleep(0.001)" in code
    subprocess.run([sys.executable, "-c", "pass" + code], check=True)


def test_no_inject_appends_nothing() -> None:
    assert mutant_code(None) == "" and mutant_code({}) == ""


def test_a_sleeping_interpreter_switches_voluntarily_more_than_an_idle_one() -> None:
    idle = min(_voluntary_switches("pass") for _ in range(3))
    sleeping = min(_voluntary_switches("import time; time.sleep(0.01)") for _ in range(3))
    assert sleeping > idle


@needs_valgrind
def test_counted_work_grows_with_the_burned_iterations() -> None:
    small = count_statement("pass" + mutant_code({"burn": 1}), CACHEGRIND)
    large = count_statement("pass" + mutant_code({"burn": 200_000}), CACHEGRIND)
    assert large - small > 200_000 * 5


def _cost(estimate: float, waits: float = 1.0) -> PerCall:
    return PerCall(estimate, estimate, estimate, waits, (int(estimate),))


def test_an_import_that_sleeps_fails_even_with_the_same_instructions(monkeypatch) -> None:
    import harness.perf.imports as perf_import

    monkeypatch.setattr(perf_import, "interleaved_waits", lambda base, cand: (1, 2))
    monkeypatch.setattr(perf_import, "statement_cost",
                        lambda statement, *a, waits=0, **k: _cost(1000.0, waits=waits))
    result = PairResult("import:unified", "clean", "+2ms", "regression", 1.02, "ERROR")
    judge_import_pair(result, "import x", "import x; sleep", CACHEGRIND, GateConfig(), 1.02,
                      clean=_cost(1000.0, waits=1.0))
    assert result.status == "FAIL"
    assert "times per interpreter" in result.detail


def test_an_import_within_the_limit_passes_with_its_interval(monkeypatch) -> None:
    import harness.perf.imports as perf_import

    costs = {"import dspy": _cost(1000.0), "import unified, dspy": _cost(1100.0)}
    monkeypatch.setattr(perf_import, "interleaved_waits", lambda base, cand: (1, 1))
    monkeypatch.setattr(perf_import, "statement_cost", lambda statement, *a, **k: costs[statement])
    result = PairResult("import:unified", "import dspy", "import unified", "≤ 1.2", 1.2, "ERROR")
    judge_import_pair(result, "import dspy", "import unified, dspy", CACHEGRIND, GateConfig(), 1.2)
    assert result.status == "PASS"
    assert result.estimate == pytest.approx(1.1)
    assert result.low < result.estimate < result.high
    assert "instructions per fresh interpreter" in result.detail


def test_both_sides_waits_are_taken_in_turn_so_they_see_the_same_load(monkeypatch) -> None:
    import harness.perf.imports as perf_import

    calls: list[str] = []
    monkeypatch.setattr(perf_import, "_voluntary_switches",
                        lambda statement: calls.append(statement) or len(calls))
    assert perf_import.interleaved_waits("b", "c", runs=3) == (1, 2)
    assert calls == ["b", "c", "c", "b", "b", "c"]
