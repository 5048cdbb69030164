"""The self-test's bookkeeping on synthetic counts: every mutant becomes one row judged
against the clean candidate under the regression limit; a missed one is reported.

The real injections run in ``make perf-selftest`` and, for one shim, in
``test_perf_gate.py``; here the counter is replaced so nothing is timed or counted."""

from __future__ import annotations

from typing import Any

import pytest

from harness.perf import selftest as perf_selftest
from harness.perf.count import Instrument, JobCount
from harness.perf.measure import GateConfig, GateResult, PairResult

CLEAN = 2_000_000


def _fake_counts(growth: dict[str, float]) -> Any:
    def count(labels: dict[str, Any], config: GateConfig, instrument: Any, **kw: Any) -> Any:
        found = {}
        for label in labels:
            mutant = label.split("#")[-1] if "#" in label else ""
            factor = next((g for m, g in growth.items() if mutant.endswith(m)), 1.0)
            per_call = (1_000 if label == "burn" else CLEAN) * factor
            waits = config.calls if mutant.endswith("+2ms") else 0
            found[label] = (JobCount(10**9, 0, 0.0),
                            [JobCount(10**9 + int(per_call * config.calls), waits, 0.0)] * 2)
        return found

    return count


@pytest.fixture
def gate() -> GateResult:
    pair = PairResult("compat:simple", "legacy-engine:simple", "compat:simple", "≤ 1.05",
                      1.05, "PASS", instrument="cachegrind")
    return GateResult(GateConfig(), [pair], subjects={"compat:simple": {"estimate": CLEAN}})


def _run(monkeypatch: pytest.MonkeyPatch, gate: GateResult,
         growth: dict[str, float]) -> dict[str, Any]:
    monkeypatch.setattr(perf_selftest, "count_subjects", _fake_counts(growth))
    monkeypatch.setattr(perf_selftest, "detect_instrument",
                        lambda: Instrument("cachegrind", "test"))
    return perf_selftest.run_selftest(gate, GateConfig(), ["compat:simple"])


def test_each_mutant_is_one_row_and_all_are_detected_when_they_show(
        monkeypatch: pytest.MonkeyPatch, gate: GateResult) -> None:
    report = _run(monkeypatch, gate, {"+3%": 1.03, "+10%": 1.10})
    assert [r["mutant"] for r in report["rows"]] == ["+3%", "+10%", "+2ms"]
    assert report["detected"] == report["total"] == 3
    assert report["regression_limit"] == pytest.approx(1.02)


def test_the_injected_work_is_sized_from_the_clean_cost_and_the_burn_calibration(
        monkeypatch: pytest.MonkeyPatch, gate: GateResult) -> None:
    rows = _run(monkeypatch, gate, {"+3%": 1.03, "+10%": 1.10})["rows"]
    assert rows[0]["inject"]["burn"] == round(0.03 * CLEAN / 1.0)  # burn: 1,000 per 1,000
    assert rows[0]["inject"]["target"].endswith("DSPyWrapper.predict")
    assert rows[2]["inject"]["sleep"] == 0.002


def test_a_mutant_the_counts_do_not_show_is_reported_as_missed(
        monkeypatch: pytest.MonkeyPatch, gate: GateResult) -> None:
    report = _run(monkeypatch, gate, {"+3%": 1.0, "+10%": 1.10})
    assert report["detected"] == 2
    assert not report["rows"][0]["detected"] and report["rows"][0]["status"] == "PASS"


def test_a_mutant_the_counts_of_a_timed_pair_let_through_is_timed_on_the_wall(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pair = PairResult("http:gateway", "raw httpx", "gateway backend", "≤ 1.15", 1.15, "PASS",
                      instrument="cachegrind + wall")
    gate = GateResult(GateConfig(), [pair], subjects={"gateway backend": {"estimate": CLEAN}})
    timed: list[str] = []

    def wall_row(spec: Any, mutant: Any, config: GateConfig, seconds: float) -> dict[str, Any]:
        timed.append(mutant[0])
        return {"instrument": "wall", "inject": {"sleep": mutant[2]}, "estimate": 2.0,
                "low": 1.9, "high": 2.1, "status": "FAIL", "detail": "12 rounds"}

    monkeypatch.setattr(perf_selftest, "count_subjects", _fake_counts({"+3%": 1.03,
                                                                       "+10%": 1.10}))
    monkeypatch.setattr(perf_selftest, "detect_instrument",
                        lambda: Instrument("cachegrind", "test"))
    monkeypatch.setattr(perf_selftest, "_wall_row", wall_row)
    report = perf_selftest.run_selftest(gate, GateConfig(), ["http:gateway"])
    assert timed == ["+2ms"]  # the counted side already FAILs +3 % and +10 %
    sleep = report["rows"][2]
    assert sleep["detected"] and sleep["timed"]["status"] == "FAIL"
    assert sleep["instrument"] == "cachegrind + wall"
    assert report["detected"] == report["total"] == 3
