"""Verdicts from an estimate and its interval; per-call counts from counted jobs.

Synthetic numbers only: no counter and no clock is involved."""

from __future__ import annotations

import pytest

from harness.perf.count import JobCount, parse_cachegrind, parse_perf, per_call, ratio_interval
from harness.perf.measure import PairResult
from harness.perf.verdict import (
    ERROR,
    FAIL,
    INCONCLUSIVE,
    PASS,
    Estimate,
    judge_counts,
    median_interval,
    verdict,
    worst,
)


def test_pass_needs_the_whole_interval_within_the_limit() -> None:
    assert verdict(Estimate(1.02, 1.01, 1.05), 1.05) == PASS


def test_an_estimate_within_the_limit_with_an_interval_above_it_is_inconclusive() -> None:
    assert verdict(Estimate(1.03, 0.98, 1.09), 1.05) == INCONCLUSIVE


def test_an_estimate_above_the_limit_that_could_be_noise_is_not_a_pass() -> None:
    assert verdict(Estimate(1.235, 1.00, 1.40), 1.05) == INCONCLUSIVE


def test_fail_needs_the_whole_interval_above_the_limit() -> None:
    assert verdict(Estimate(1.10, 1.06, 1.12), 1.05) == FAIL


def test_an_estimate_outside_its_own_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="outside its interval"):
        Estimate(1.2, 1.0, 1.1)


def test_the_median_interval_holds_the_median_and_narrows_with_more_rounds() -> None:
    few = median_interval([1.0, 1.1, 1.2, 1.3, 1.4])
    assert (few.low, few.estimate, few.high) == (1.0, 1.2, 1.4)  # too few: the range
    many = median_interval([1.0 + i / 100 for i in range(20)])
    assert many.low <= many.estimate <= many.high and many.width < 0.19


def test_per_call_subtracts_the_zero_call_job_and_widens_by_the_spread() -> None:
    zero = JobCount(1_000_000, 0, 0.0)
    runs = [JobCount(1_000_000 + 100 * 2_000, 0, 0.0), JobCount(1_000_000 + 100 * 2_000 + 50, 0, 0.0)]
    cost = per_call(zero, runs, 100)
    assert cost.estimate == pytest.approx(2_000.25)
    assert cost.low == pytest.approx(1_999.5) and cost.high == pytest.approx(2_001.0)


def test_waits_per_call_count_the_blocking_of_the_counted_calls_only() -> None:
    cost = per_call(JobCount(10, 3, 0.0), [JobCount(110, 103, 0.0)], 100)
    assert cost.waits == pytest.approx(1.0)


def test_the_ratio_interval_contains_the_ratio() -> None:
    base = per_call(JobCount(0, 0, 0), [JobCount(1000, 0, 0), JobCount(1010, 0, 0)], 10)
    cand = per_call(JobCount(0, 0, 0), [JobCount(1100, 0, 0), JobCount(1100, 0, 0)], 10)
    estimate, low, high = ratio_interval(base, cand)
    assert low <= estimate <= high and low == pytest.approx(110 / 102)


def test_instruction_totals_are_read_from_cachegrind_and_perf_output() -> None:
    assert parse_cachegrind("desc: I1 cache\ncmd: python\nevents: Ir\nsummary: 12345\n") == 12345
    assert parse_perf("# started on x\n\n987654,,instructions:u,1000,100.00,,\n") == 987654
    assert parse_perf("<not supported>,,instructions:u,0,100.00,,\n") is None


def test_a_counted_ratio_carries_at_least_the_run_to_run_floor() -> None:
    from harness.perf.measure import PairResult
    from harness.perf.verdict import judge_counts

    same = per_call(JobCount(0, 0, 0), [JobCount(1_000_000, 0, 0)] * 2, 100)
    near = per_call(JobCount(0, 0, 0), [JobCount(1_048_000, 0, 0)] * 2, 100)
    result = PairResult("p", "b", "c", "≤ 1.05", 1.05, "ERROR")
    judge_counts(result, same, near, 1.05, floor=0.003)
    assert result.low == pytest.approx(1.048 * 0.997) and result.status == INCONCLUSIVE


def test_a_pair_judged_by_two_instruments_passes_only_when_both_pass() -> None:
    assert worst(PASS, PASS) == PASS
    assert worst(PASS, INCONCLUSIVE) == INCONCLUSIVE
    assert worst(INCONCLUSIVE, ERROR) == ERROR
    assert worst(PASS, FAIL) == worst(ERROR, FAIL) == FAIL


def _waiting_pair(judge_waits: bool) -> PairResult:
    result = PairResult("p", "b", "c", "t", 1.05, ERROR)
    base = per_call(JobCount(0, 0, 0.0), [JobCount(100_000, 0, 0.0)], 100)
    cand = per_call(JobCount(0, 0, 0.0), [JobCount(100_000, 100, 0.0)], 100)
    judge_counts(result, base, cand, 1.05, judge_waits=judge_waits)
    return result


def test_an_added_wait_fails_a_counted_pair() -> None:
    assert _waiting_pair(judge_waits=True).status == FAIL


def test_a_pair_whose_waits_are_timed_on_the_wall_is_judged_by_its_instructions_only() -> None:
    assert _waiting_pair(judge_waits=False).status == PASS
