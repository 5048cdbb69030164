"""The dashboard's perf section: interval next to the limit, the instrument, the
self-test's detection table, everything escaped."""

from __future__ import annotations

from typing import Any

from harness.report.perf_section import perf_section


def _report(**extra: Any) -> dict[str, Any]:
    pair = {"name": "compat:<gw>", "baseline": "legacy-engine:gateway",
            "candidate": "compat:gateway", "target": "≤ 1.05", "limit": 1.05,
            "status": "INCONCLUSIVE", "instrument": "cachegrind",
            "baseline_cost": {"estimate": 3_076_350.0, "waits_per_call": 0.0},
            "candidate_cost": {"estimate": 3_231_475.0, "waits_per_call": 0.0},
            "estimate": 1.0504, "low": 1.0498, "high": 1.0511,
            "reference": {"subject": "legacy:gateway", "ratio": 1.2008}}
    return {"commit": "abc", "failed": True, "pairs": [pair],
            "instrument": {"name": "cachegrind", "reason": "no perf counters"},
            "config": {"calls": 50}, "machine": {"loadavg": [3.0], "cpu_count": 2}, **extra}


def test_each_pair_shows_its_interval_next_to_its_limit_and_its_instrument() -> None:
    html = perf_section(_report())
    assert "1.050 <small>[1.050–1.051]</small></td><td class=\"num\">1.050</td>" in html
    assert "<b>cachegrind</b>" in html and "3,231,475 instr" in html
    assert '<td class="diff">INCONCLUSIVE</td>' in html


def test_the_forward_route_reference_is_shown_but_not_as_the_gated_baseline() -> None:
    assert "1.201 vs legacy:gateway" in perf_section(_report())


def test_names_are_escaped() -> None:
    html = perf_section(_report())
    assert "compat:&lt;gw&gt;" in html and "compat:<gw>" not in html


def test_the_self_test_table_lists_every_mutant_and_whether_it_was_detected() -> None:
    rows = [{"pair": "compat:simple", "mutant": m, "instrument": "cachegrind",
             "estimate": r, "low": r, "high": r, "limit": 1.02, "status": s, "detected": d}
            for m, r, s, d in (("+3%", 1.03, "FAIL", True), ("+10%", 1.1, "FAIL", True),
                               ("+2ms", 1.0, "PASS", False))]
    html = perf_section(_report(selftest={"rows": rows, "detected": 2, "total": 3,
                                          "regression_limit": 1.02}))
    assert 'id="perf-selftest"' in html and "Detected 2 of 3" in html
    assert html.count("<tr data-mutant=") == 3 and "<b>no</b>" in html


def test_without_a_self_test_a_notice_says_how_to_run_it() -> None:
    assert "python -m harness perf --self-test" in perf_section(_report())


def test_a_pair_judged_by_two_instruments_shows_its_wall_side_under_its_count() -> None:
    report = _report()
    report["pairs"][0]["timed"] = {"instrument": "wall", "estimate": 1.06, "low": 1.02,
                                   "high": 1.11, "status": "PASS"}
    html = perf_section(report)
    assert "<br><small>wall 1.060 <small>[1.020–1.110]</small> PASS</small>" in html
