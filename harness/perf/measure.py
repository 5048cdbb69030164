"""Wall-clock measurement for the perf gate: interleaved A/B timing in one process.

The gate measures in-process pairs by counted instructions (:mod:`harness.perf.count`);
wall time is kept for what instructions cannot see — HTTP round trips, imports, a
backend's latency — and judged as :mod:`harness.perf.verdict` says. A machine shared
with other jobs drifts far more than the few percent the gate must see, so both sides
of a wall pair are measured in the same process, alternating (A B, B A, A B, …):

- a **sample** is the mean time of ``inner`` operations (calibrated so one sample lasts
  about ``sample_seconds``), timed with ``perf_counter`` while the garbage collector is
  off; the collector runs between samples, on objects created after a ``gc.freeze()``;
- each side gets a warm-up before the first sample; a sample is the fastest of
  ``repeats`` batches the scheduler did not preempt;
- the ratio of a round is candidate ÷ baseline of that round; the pair's estimate is the
  median of those ratios, with a distribution-free confidence interval.

:func:`decide` (Mann-Whitney U against limit × baseline) remains for the benchmark
history's hints (:mod:`harness.perf.bench`); the gate does not use it.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["Summary", "Decision", "Subject", "GateConfig", "PairResult", "GateResult",
           "summarize", "decide", "interleave_order", "measure_pair", "calibrate_inner",
           "timed_subject", "involuntary_switches", "PairSamples", "SCHEMA_VERSION"]

SCHEMA_VERSION = "2.0"


@dataclass(frozen=True)
class Summary:
    """Median and quartiles of one side's samples (seconds per operation)."""

    median: float
    q1: float
    q3: float
    n: int

    @property
    def iqr(self) -> float:
        """Interquartile range ``q3 - q1``."""
        return self.q3 - self.q1


def _quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0], ordered[0], ordered[0]
    q1, q2, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return q1, q2, q3


def summarize(samples: Sequence[float]) -> Summary:
    """The :class:`Summary` of ``samples`` (at least one value)."""
    if not samples:
        raise ValueError("summarize() needs at least one sample")
    q1, median, q3 = _quartiles(samples)
    return Summary(median=median, q1=q1, q3=q3, n=len(samples))


@dataclass(frozen=True)
class Decision:
    """The verdict on one A/B comparison (see the module docstring)."""

    ratio: float
    ratio_q1: float
    ratio_q3: float
    limit: float
    p_value: float
    alpha: float

    @property
    def exceeds(self) -> bool:
        """The observed ratio is above the limit (the effect is large enough)."""
        return self.ratio > self.limit

    @property
    def significant(self) -> bool:
        """Mann-Whitney U says the candidate is slower than ``limit × baseline``."""
        return self.p_value < self.alpha

    @property
    def regression(self) -> bool:
        """Both large enough and significant."""
        return self.exceeds and self.significant


def decide(baseline: Sequence[float], candidate: Sequence[float], *, limit: float,
           alpha: float = 0.01) -> Decision:
    """Judge ``candidate`` against ``limit × baseline`` (one-sided Mann-Whitney U).

    Samples are per-operation times. The ratio's IQR comes from the per-round ratios
    when both sides have one sample per round, else from the candidate's quartiles over
    the baseline's median.
    """
    from scipy.stats import mannwhitneyu

    if limit <= 0:
        raise ValueError(f"limit must be positive, got {limit}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    base, cand = summarize(baseline), summarize(candidate)
    ratio = cand.median / base.median if base.median > 0 else math.inf
    if len(baseline) == len(candidate) and min(baseline) > 0:
        paired = summarize([c / b for b, c in zip(baseline, candidate, strict=True)])
        low, high = paired.q1, paired.q3
    else:
        low = cand.q1 / base.median if base.median > 0 else math.inf
        high = cand.q3 / base.median if base.median > 0 else math.inf
    scaled = [limit * b for b in baseline]
    p_value = float(mannwhitneyu(list(candidate), scaled, alternative="greater").pvalue)
    return Decision(ratio=ratio, ratio_q1=low, ratio_q3=high, limit=limit, p_value=p_value,
                    alpha=alpha)


@dataclass
class Subject:
    """One side of a comparison: ``measure(n)`` runs ``n`` operations and returns the
    seconds per operation; ``close()`` releases what was built for it."""

    name: str
    measure: Callable[[int], float]
    close: Callable[[], None] = field(default=lambda: None)


def timed_subject(name: str, run: Callable[[int], None],
                  close: Callable[[], None] = lambda: None) -> Subject:
    """A :class:`Subject` timing ``run(n)`` in-process with the collector off."""

    def measure(n: int) -> float:
        enabled = gc.isenabled()
        gc.disable()
        try:
            start = time.perf_counter()
            run(n)
            elapsed = time.perf_counter() - start
        finally:
            if enabled:
                gc.enable()
        return elapsed / n

    return Subject(name, measure, close)


@dataclass(frozen=True)
class GateConfig:
    """Knobs of the gate (defaults: the issue's). ``alpha`` and ``min_effect`` also drive
    the benchmark history's hints (:mod:`harness.perf.bench`)."""

    alpha: float = 0.01
    min_effect: float = 0.05
    rounds: int = 12
    fail_rounds: int = 48             # a wall-clock FAIL needs at least this many rounds
    sample_seconds: float = 0.025
    repeats: int = 5
    warmup_seconds: float = 0.15
    targets: Mapping[str, float] = field(default_factory=dict)
    calls: int = 30                   # counted calls per job
    count_repeats: int = 2            # counted jobs of ``calls`` per subject
    warmup_calls: int = 10
    budget_seconds: float = 60.0      # extra rounds for INCONCLUSIVE pairs, per phase
    confidence: float = 0.95          # of the wall-clock intervals
    regression: float = 0.02          # self-test / release comparison: limit 1 + this
    count_floor: float = 0.003        # counted intervals are at least ± this (run to run)
    inconclusive: str = "fail"        # or "warn"
    parallel: int = 2                 # counting children at a time

    def __post_init__(self) -> None:
        if self.repeats < 1 or self.count_repeats < 1 or self.calls < 1:
            raise ValueError("repeats, count_repeats and calls must be >= 1")
        if self.rounds < 5 or self.fail_rounds < self.rounds:
            raise ValueError("at least 5 rounds per side, and fail_rounds >= rounds")
        if self.min_effect < 0 or self.sample_seconds <= 0 or self.warmup_seconds < 0:
            raise ValueError("min_effect, sample_seconds and warmup_seconds must be >= 0")
        if self.inconclusive not in ("fail", "warn"):
            raise ValueError("inconclusive must be 'fail' or 'warn'")


def interleave_order(rounds: int) -> list[tuple[int, int]]:
    """Which side goes first in each round: (0, 1), (1, 0), (0, 1), … (A B B A A B …)."""
    return [(0, 1) if r % 2 == 0 else (1, 0) for r in range(rounds)]


def calibrate_inner(per_op: float, sample_seconds: float, *, cap: int = 10_000) -> int:
    """Operations per sample so that one sample lasts about ``sample_seconds``."""
    if per_op <= 0:
        return cap
    return max(1, min(cap, round(sample_seconds / per_op)))


def _warm_up(subject: Subject, seconds: float) -> float:
    """Run ``subject`` for about ``seconds``; its estimated seconds per operation."""
    estimate = subject.measure(1)
    deadline = time.perf_counter() + seconds
    n = 1
    while time.perf_counter() < deadline:
        n = min(n * 2, 1000)
        estimate = subject.measure(n)
    return estimate


def involuntary_switches() -> int:
    """How often the scheduler has preempted this process so far (0 where unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux/macOS
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw)


@dataclass
class PairSamples:
    """What :func:`measure_pair` collected: per-operation samples of each side, the
    operations per batch, and how many batches ran without being preempted."""

    baseline: list[float]
    candidate: list[float]
    inner: int
    batches: int = 0
    clean_batches: int = 0

    @property
    def clean_share(self) -> float:
        """Share of batches the scheduler never interrupted (1.0 on a quiet machine)."""
        return self.clean_batches / self.batches if self.batches else 1.0


def _sample(subject: Subject, inner: int, repeats: int, tally: PairSamples) -> float:
    """The fastest batch that was not preempted, else the fastest batch. When all of
    ``repeats`` batches were preempted, up to ``repeats`` more are tried."""
    best, best_clean = math.inf, math.inf
    for attempt in range(2 * repeats):
        if attempt >= repeats and best_clean < math.inf:
            break
        before = involuntary_switches()
        seconds = subject.measure(inner)
        best = min(best, seconds)
        tally.batches += 1
        if involuntary_switches() == before:
            tally.clean_batches += 1
            best_clean = min(best_clean, seconds)
    return best_clean if best_clean < math.inf else best


def measure_pair(baseline: Subject, candidate: Subject, *, rounds: int,
                 sample_seconds: float, warmup_seconds: float, repeats: int = 5,
                 inner: int | None = None) -> PairSamples:
    """Interleaved samples of both sides.

    A sample is the fastest of ``repeats`` short batches of ``inner`` operations,
    counting only batches during which the scheduler did not preempt the process
    (``ru_nivcsw`` unchanged) when there is one: another process taking the CPU only
    ever adds time, so this filters it out, while a slowdown in the code — even a
    ``sleep``, which is a voluntary switch — is in every batch. ``inner`` is calibrated
    on the warm-up (``repeats`` batches ≈ ``sample_seconds``) when not given.
    """
    sides = (baseline, candidate)
    estimates = [_warm_up(s, warmup_seconds) if warmup_seconds > 0 else 0.0 for s in sides]
    if inner is None:
        inner = calibrate_inner(statistics.fmean(estimates), sample_seconds / repeats)
    result = PairSamples([], [], inner)
    lists = (result.baseline, result.candidate)
    gc.collect()
    gc.freeze()
    try:
        for order in interleave_order(rounds):
            for index in order:
                lists[index].append(_sample(sides[index], inner, repeats, result))
                gc.collect()
    finally:
        gc.unfreeze()
    return result


@dataclass
class PairResult:
    """One gated pair: the instrument, the ratio's estimate and interval, the limit and
    the verdict (PASS / FAIL / INCONCLUSIVE / ERROR, :mod:`harness.perf.verdict`)."""

    name: str
    baseline: str
    candidate: str
    target: str
    limit: float
    status: str
    instrument: str = ""
    detail: str = ""
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    baseline_cost: dict[str, Any] = field(default_factory=dict)
    candidate_cost: dict[str, Any] = field(default_factory=dict)
    reference: dict[str, Any] | None = None
    power: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: a counted pair also timed on the wall: that side's instrument, ratio, interval,
    #: verdict and detail (the pair's ``status`` is the worse of both)
    timed: dict[str, Any] | None = None


@dataclass
class GateResult:
    """The whole gate run (written to ``perf.json``)."""

    config: GateConfig
    pairs: list[PairResult]
    wall_time: float = 0.0
    machine: dict[str, Any] = field(default_factory=dict)
    instrument: dict[str, str] = field(default_factory=dict)
    subjects: dict[str, Any] = field(default_factory=dict)
    #: the raw counts behind ``subjects`` (label -> (0-call job, [N-call jobs])), kept
    #: for the self-test; not written to ``perf.json``
    counts: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def failed(self) -> bool:
        """True when a pair FAILed or could not be measured, or (unless the config says
        ``inconclusive="warn"``) stayed INCONCLUSIVE."""
        bad = {"FAIL", "ERROR"} | ({"INCONCLUSIVE"} if self.config.inconclusive == "fail"
                                   else set())
        return any(p.status in bad for p in self.pairs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready report (``schema_version`` first)."""
        from ..report.json_report import git_commit

        config = asdict(self.config)
        config["targets"] = dict(self.config.targets)
        return {"schema_version": SCHEMA_VERSION,
                "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "commit": git_commit(), "machine": self.machine or machine_info(),
                "instrument": self.instrument, "config": config,
                "wall_time_s": round(self.wall_time, 3), "failed": self.failed,
                "pairs": [asdict(p) for p in self.pairs], "subjects": self.subjects}


def machine_info() -> dict[str, Any]:
    """Where the numbers were taken: interpreter, CPU count and load."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "system": platform.system(), "release": platform.release(),
            "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "node": platform.node(), "loadavg": [round(x, 2) for x in load]}
