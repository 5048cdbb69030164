"""The gate's statistics and plumbing on synthetic samples: no timing anywhere."""

from __future__ import annotations

import argparse

import pytest

from harness.perf import measure as perf
from harness.perf.cli import add_gate_options, config_from_args
from harness.perf.gate import PAIRS, limit_of, select_pairs
from harness.perf.measure import (
    GateConfig,
    Subject,
    calibrate_inner,
    decide,
    interleave_order,
    measure_pair,
    summarize,
)

BASE = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8, 100.1, 100.4, 99.6, 100.3, 99.7]


def scaled(factor: float, values: list[float] = BASE) -> list[float]:
    return [v * factor for v in values]


def test_summary_quartiles() -> None:
    s = summarize([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (s.median, s.q1, s.q3, s.n, s.iqr) == (3.0, 2.0, 4.0, 5, 2.0)
    assert summarize([7.0]).iqr == 0.0
    with pytest.raises(ValueError):
        summarize([])


def test_same_distribution_is_no_regression() -> None:
    verdict = decide(BASE, list(reversed(BASE)), limit=1.05)
    assert verdict.ratio == pytest.approx(1.0) and not verdict.exceeds
    assert not verdict.significant and not verdict.regression


def test_large_consistent_slowdown_is_a_regression() -> None:
    verdict = decide(BASE, scaled(1.20), limit=1.05)
    assert verdict.ratio == pytest.approx(1.20)
    assert verdict.exceeds and verdict.significant and verdict.regression
    assert verdict.p_value < 1e-4
    assert verdict.ratio_q1 == pytest.approx(1.2) and verdict.ratio_q3 == pytest.approx(1.2)


def test_small_significant_slowdown_is_below_the_minimum_effect() -> None:
    # 3 % slower in every sample: Mann-Whitney would call a difference from the
    # baseline significant, but not one from 1.05 x baseline.
    verdict = decide(BASE, scaled(1.03), limit=1.05)
    assert not verdict.exceeds and not verdict.significant and not verdict.regression
    assert decide(BASE, scaled(1.03), limit=1.0).regression  # with no minimum effect


def test_noisy_slowdown_is_not_significant() -> None:
    noisy = [80.0, 160.0, 90.0, 150.0, 85.0, 140.0]
    verdict = decide([100.0, 101.0, 99.0, 100.5, 99.5, 100.2], noisy, limit=1.05)
    assert verdict.ratio > 1.05 and verdict.exceeds
    assert not verdict.significant and not verdict.regression


def test_alpha_is_configurable() -> None:
    base = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
    cand = [12.5, 13.5, 14.5, 15.5, 10.0, 16.5]
    loose, strict = decide(base, cand, limit=1.0, alpha=0.2), decide(base, cand, limit=1.0)
    assert 0.01 < loose.p_value < 0.2
    assert loose.regression and not strict.regression


def test_speedup_limits_below_one() -> None:
    miss = [30.0, 31.0, 29.0, 30.5, 29.5, 30.2]
    assert decide(miss, scaled(0.5, miss), limit=0.05).regression  # only 2x faster
    assert not decide(miss, scaled(0.03, miss), limit=0.05).regression  # 33x faster


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        decide(BASE, BASE, limit=0)
    with pytest.raises(ValueError):
        decide(BASE, BASE, limit=1.05, alpha=1.5)
    with pytest.raises(ValueError):
        GateConfig(rounds=4)


def test_interleaving_alternates_order() -> None:
    assert interleave_order(4) == [(0, 1), (1, 0), (0, 1), (1, 0)]  # A B B A A B B A


def test_inner_calibration() -> None:
    assert calibrate_inner(0.001, 0.01) == 10
    assert calibrate_inner(1.0, 0.01) == 1
    assert calibrate_inner(0.0, 0.01) == 10_000
    assert calibrate_inner(1e-9, 0.01, cap=500) == 500


def test_measure_pair_interleaves_and_takes_the_fastest_batch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(perf, "involuntary_switches", lambda: 0)  # never preempted
    calls: list[tuple[str, int]] = []

    def fake(name: str, values: list[float]) -> Subject:
        feed = iter(values * 100)

        def measure(n: int) -> float:
            calls.append((name, n))
            return next(feed)

        return Subject(name, measure)

    a, b = fake("a", [3.0, 1.0, 2.0]), fake("b", [5.0, 4.0, 6.0])
    got = measure_pair(a, b, rounds=4, sample_seconds=1.0, warmup_seconds=0.0, repeats=3,
                       inner=7)
    assert got.inner == 7 and got.baseline == [1.0] * 4 and got.candidate == [4.0] * 4
    assert got.batches == 24 and got.clean_share == 1.0
    sides = [name for name, _ in calls]
    assert sides == ["a"] * 3 + ["b"] * 6 + ["a"] * 6 + ["b"] * 6 + ["a"] * 3  # A B B A A B B A
    assert {n for _, n in calls} == {7}


def test_preempted_batches_are_set_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    preempted = {"count": 0}
    clean_values = {2.0}  # only the batches measured as 2.0 ran uninterrupted

    def measure(n: int) -> float:
        value = next(feed)
        if value not in clean_values:
            preempted["count"] += 1
        return value

    monkeypatch.setattr(perf, "involuntary_switches", lambda: preempted["count"])
    feed = iter([1.0, 2.0, 3.0] * 100)
    subject = Subject("s", measure)
    got = measure_pair(subject, subject, rounds=2, sample_seconds=1.0, warmup_seconds=0.0,
                       repeats=3, inner=1)
    assert got.baseline == [2.0, 2.0] and got.candidate == [2.0, 2.0]  # not the faster 1.0

    feed = iter([4.0, 5.0, 6.0] * 100)  # all preempted: 6 batches, the fastest of them
    got = measure_pair(subject, subject, rounds=2, sample_seconds=1.0, warmup_seconds=0.0,
                       repeats=3, inner=1)
    assert got.baseline == [4.0, 4.0] and got.batches == 24 and got.clean_share == 0.0


def test_limits_targets_and_selection() -> None:
    config = GateConfig(min_effect=0.08, targets={"unified:floor": 1.3})
    by_name = {p.name: p for p in PAIRS}
    assert limit_of(by_name["compat:enhanced"], config) == pytest.approx(1.08)
    assert limit_of(by_name["unified:floor"], config) == 1.3
    assert limit_of(by_name["http:gateway"], GateConfig()) == 1.15
    assert limit_of(by_name["cache:hit-vs-1ms"], GateConfig()) == 0.05
    assert limit_of(by_name["cache:predict-hit"], GateConfig()) == 1.05
    assert limit_of(by_name["import:unified"], GateConfig()) == 1.2
    assert limit_of(by_name["stream:first-chunk"], GateConfig()) == 1.10
    assert [p.name for p in select_pairs(["compat:*"])] == [
        "compat:enhanced", "compat:gateway", "compat:bedrock", "compat:simple", "compat:dynamic"]
    assert len(select_pairs()) == len(PAIRS) == 11
    with pytest.raises(ValueError, match="no perf pair matches"):
        select_pairs(["nope"])


def test_shims_on_the_engine_route_are_gated_against_the_legacy_code_on_that_route() -> None:
    by_name = {p.name: p for p in PAIRS}
    for pattern in ("gateway", "bedrock", "simple"):
        spec = by_name[f"compat:{pattern}"]
        assert spec.baseline == f"legacy-engine:{pattern}"
        assert spec.reference == f"legacy:{pattern}"  # forward() route: reported only
    assert by_name["compat:enhanced"].baseline == "legacy:enhanced"


def test_options_parse_into_a_config() -> None:
    parser = argparse.ArgumentParser()
    add_gate_options(parser, "perf-")
    args = parser.parse_args(["--perf-min-effect", "0.1", "--perf-rounds", "8",
                              "--perf-target", "http:gateway=1.3", "--perf-pair", "compat:*",
                              "--perf-inconclusive", "warn", "--perf-calls", "30"])
    config = config_from_args(args)
    assert (config.min_effect, config.rounds, config.calls) == (0.1, 8, 30)
    assert config.inconclusive == "warn"
    assert dict(config.targets) == {"http:gateway": 1.3} and args.perf_pair == ["compat:*"]
    with pytest.raises(SystemExit):
        config_from_args(parser.parse_args(["--perf-target", "oops"]))
