"""One estimator, one interval, three verdicts: how the perf gate judges a pair.

Every pair yields a ratio ``candidate ÷ baseline`` as an *estimate* with an *interval*
``[low, high]`` that contains it (no printed ratio lies outside its own interval), and
has a limit ``L`` (candidate ≤ L × baseline):

- **PASS** — the whole interval is within the limit (``high ≤ L``): measured within it;
- **FAIL** — the whole interval is above it (``low > L``): measured beyond it;
- **INCONCLUSIVE** — the interval straddles the limit. The gate first adds rounds up to
  its time budget; a pair still straddling is INCONCLUSIVE, which fails the gate unless
  ``--perf-inconclusive=warn``. "Could not prove a regression" is never a PASS.

Intervals: for counted instructions, the bounds of :func:`harness.perf.count.per_call`
(the extreme runs widened by their spread); for wall-clock pairs, a distribution-free
confidence interval of the median of the per-round ratios (:func:`median_interval`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .count import PerCall, ratio_interval
from .measure import PairResult

__all__ = ["PASS", "FAIL", "INCONCLUSIVE", "ERROR", "Estimate", "verdict", "median_interval",
           "WAIT_LIMIT", "judge_counts", "worst"]

PASS, FAIL, INCONCLUSIVE, ERROR = "PASS", "FAIL", "INCONCLUSIVE", "ERROR"
#: A candidate that blocks this many more times per call than its baseline has gained a
#: wait (a sleep, a lock, I/O) that counted instructions cannot price: FAIL.
WAIT_LIMIT = 0.5


@dataclass(frozen=True)
class Estimate:
    """A ratio and its interval (``low ≤ estimate ≤ high``)."""

    estimate: float
    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.estimate <= self.high:
            raise ValueError(f"estimate {self.estimate} outside its interval "
                             f"[{self.low}, {self.high}]")

    @property
    def width(self) -> float:
        """``high − low``: the smallest change this measurement can resolve."""
        return self.high - self.low


def verdict(ratio: Estimate, limit: float) -> str:
    """PASS, FAIL or INCONCLUSIVE (see the module docstring)."""
    if ratio.high <= limit:
        return PASS
    if ratio.low > limit:
        return FAIL
    return INCONCLUSIVE


def worst(*statuses: str) -> str:
    """The verdict of a pair judged by several instruments: PASS only when every one
    PASSes; FAIL when any FAILs; else ERROR, then INCONCLUSIVE."""
    for status in (FAIL, ERROR, INCONCLUSIVE):
        if status in statuses:
            return status
    return PASS


def _rank(n: int, confidence: float) -> int:
    """The largest ``k`` with P(Binomial(n, ½) < k) ≤ (1 − confidence) / 2 (0 if none):
    the order statistics ``k`` and ``n + 1 − k`` bound the median at ``confidence``."""
    tail, k, cumulative = (1.0 - confidence) / 2.0, 0, 0.0
    while k < n:
        cumulative += math.comb(n, k) / 2.0 ** n
        if cumulative > tail:
            break
        k += 1
    return k


def median_interval(ratios: Sequence[float], confidence: float = 0.95) -> Estimate:
    """The median of ``ratios`` with its distribution-free confidence interval (order
    statistics of the sign test); with too few values for ``confidence``, the range."""
    if not ratios:
        raise ValueError("median_interval needs at least one ratio")
    ordered = sorted(ratios)
    k = _rank(len(ordered), confidence)
    if k == 0:
        return Estimate(statistics.median(ordered), ordered[0], ordered[-1])
    return Estimate(statistics.median(ordered), ordered[k - 1], ordered[len(ordered) - k])


def judge_counts(result: PairResult, base: PerCall, cand: PerCall, limit: float,
                 floor: float = 0.0, *, judge_waits: bool = True) -> None:
    """Fill ``result`` from two per-call costs: the ratio, its interval (at least
    ± ``floor`` of the estimate: what counts vary between gate runs), the verdict (an
    added wait FAILs, see :data:`~harness.perf.verdict.WAIT_LIMIT`, unless not
    ``judge_waits``: a pair whose calls block on I/O anyway has its waits timed on the
    wall instead)."""
    estimate, low, high = ratio_interval(base, cand)
    ratio = Estimate(estimate, min(low, estimate * (1 - floor)),
                     max(high, estimate * (1 + floor)))
    result.estimate, result.low, result.high = ratio.estimate, ratio.low, ratio.high
    result.baseline_cost, result.candidate_cost = base.as_dict(), cand.as_dict()
    result.power = {"resolves": round(ratio.width, 5)}
    result.status = verdict(ratio, limit)
    result.detail = f"{cand.estimate:,.0f} vs {base.estimate:,.0f} instructions per call"
    if judge_waits and cand.waits - base.waits >= WAIT_LIMIT:
        result.status = FAIL
        result.detail += (f"; blocks {cand.waits:.2f} times per call (baseline "
                          f"{base.waits:.2f}): a wait instructions cannot price")
