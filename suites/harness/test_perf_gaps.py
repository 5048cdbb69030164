"""Accepted perf gaps: a documented miss is KNOWN-GAP, anything worse still FAILs."""

from __future__ import annotations

from harness.perf import PairResult, decide
from harness.perf_gate import PAIRS, _apply_gap, load_gaps

BASE = [1.00, 1.01, 0.99, 1.00, 1.02, 0.98, 1.00, 1.01]


def judged(factor: float, cap: float) -> PairResult:
    candidate = [v * factor for v in BASE]
    result = PairResult("p", "b", "c", "≤ 1.05", 1.05, "ERROR")
    result.record(decide(BASE, candidate, limit=1.05, alpha=0.01), BASE, candidate)
    _apply_gap(result, {"cap": cap}, BASE, candidate, 0.01)
    return result


def test_a_miss_within_the_cap_is_a_known_gap() -> None:
    assert judged(1.2, cap=1.5).status == "KNOWN-GAP"


def test_a_miss_beyond_the_cap_still_fails() -> None:
    assert judged(2.0, cap=1.5).status == "FAIL"


def test_every_gap_names_a_real_pair_and_says_why() -> None:
    names = {p.name for p in PAIRS}
    gaps = load_gaps()
    assert gaps and set(gaps) <= names
    assert all(g["why"] and g["measured"] and g["cap"] for g in gaps.values())
