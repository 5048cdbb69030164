"""The gated pairs and the gate run.

Each pair is ``candidate`` vs ``baseline`` with a limit (candidate ≤ limit × baseline)
and an instrument: counted **instructions** (:mod:`harness.perf.count`) for everything
that runs in-process, **wall** clock (:mod:`harness.perf.measure`) for what instructions cannot
see. Verdicts: :mod:`harness.perf.verdict` (PASS / FAIL / INCONCLUSIVE / ERROR).

=======================  ===========================  =========================  =====  =====
pair                     candidate                    baseline                   limit  instr.
=======================  ===========================  =========================  =====  =====
``compat:<pattern>``     the compat shim              its legacy reference on    1.05   instr.
                                                      the same DSPy route
``unified:floor``        unified ``Predict`` (mock)   ``Predict``, bare engine   1.10   instr.
``cache:predict-hit``    unified ``Predict``, hit     ``Predict``, DSPy's hit    1.05   instr.
``cache:hit-vs-1ms``     memory-cache hit             a miss, 1 ms backend       0.05   wall
``http:gateway``         gateway backend              raw httpx POST             1.15   both
``stream:first-chunk``   wrapper stream, 1st chunk    raw httpx SSE, 1st chunk   1.10   both
``import:unified``       ``import unified`` + dspy    ``import dspy``            1.2    instr.
=======================  ===========================  =========================  =====  =====

The HTTP and stream pairs are judged by *both* instruments: the client's work counted
(the server in the gate's own process, :mod:`harness.perf.wire`), which sees a few
percent more work deterministically, and the round trip timed on the wall, which sees
what instructions cannot (a wait, a sleep). They PASS only when both do
(:func:`~harness.perf.verdict.worst`); ``perf.json`` keeps the wall side under ``timed``.

For the gateway, Bedrock and simple patterns the legacy reference answers through a
``forward()`` LM while the shim is an ``engine=`` LM; the gated baseline is the legacy
code on the engine route (:mod:`harness.perf.engine_route`) and the ``forward()``
reference is reported beside it, not gated.

:func:`run_gate` counts every in-process subject in one batch (one shared start-up, one
0-call job per subject), counts the import pair's fresh interpreters
(:mod:`harness.perf.imports`), times the wall pairs, and adds rounds to INCONCLUSIVE pairs
while ``budget_seconds`` lasts. Reports: :mod:`harness.perf.report`; CLI:
:mod:`harness.perf.cli`.
"""

from __future__ import annotations

import fnmatch
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .count import (
    Instrument,
    InstrumentError,
    Job,
    count_jobs,
    detect_instrument,
    per_call,
    ratio_interval,
)
from .measure import GateConfig, GateResult, PairResult, Subject, machine_info, measure_pair
from .verdict import (
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
from .wire import serving

__all__ = ["PairSpec", "PAIRS", "COUNT", "WALL", "CPU", "IMPORT_COUNT", "select_pairs", "run_gate",
           "count_subjects", "limit_of", "measure_wall", "judge_timed"]

COUNT, WALL, CPU = "instructions", "wall", "cpu time"
#: Counted instructions of whole fresh interpreters (the import pair).
IMPORT_COUNT = "instructions, fresh interpreter"
WallBuild = Callable[[dict[str, Any] | None, bool], tuple[Subject, Subject]]


@dataclass(frozen=True)
class PairSpec:
    """A gated comparison. Count pairs name their subjects (built in the counting
    child, :func:`harness.perf.server.build_workload`); wall pairs carry ``build(inject,
    regression)`` returning ``(baseline, candidate)`` subjects — with ``regression`` the
    baseline is the clean candidate, and ``inject`` slows the candidate down. A count
    pair with a ``build`` is also timed on the wall (:attr:`timed`)."""

    name: str
    baseline: str
    candidate: str
    target: str
    limit: float | None = None          # None: 1 + min_effect
    instrument: str = COUNT
    build: WallBuild | None = None
    reference: str | None = None        # count pairs: reported, not gated
    hot_path: str | None = None         # where the self-test slows the candidate

    @property
    def timed(self) -> bool:
        """A counted pair whose round trips are also timed on the wall."""
        return self.instrument == COUNT and self.build is not None


def _wall(name: str, module: str = "harness.perf.wall") -> WallBuild:
    """The builder ``<module>.<name>``, imported only when the pair is measured (its
    ``target`` names it, so that a test can check every pair's builder resolves)."""
    def build(inject: dict[str, Any] | None, regression: bool) -> tuple[Subject, Subject]:
        from importlib import import_module

        return getattr(import_module(module), name)(  # type: ignore[no-any-return]
            inject, regression)

    build.target = (module, name)  # type: ignore[attr-defined]
    return build


_HOT_PATHS = {"simple": "unified.compat.dspy_wrapper:DSPyWrapper.predict",
              "gateway": "unified.compat.dspy_gateway_backend:_GatewayEngine.complete",
              "enhanced": "unified.compat.dspy_enhanced:EnhancedModule.predict",
              "bedrock": "unified.compat.dspy_enhanced:EnhancedModule.predict",
              "dynamic": "unified.compat.base_module:DynamicDSPyModule.forward"}
_FORWARD_ROUTE = ("gateway", "bedrock", "simple")


def _compat(pattern: str) -> PairSpec:
    engine_route = pattern in _FORWARD_ROUTE
    return PairSpec(f"compat:{pattern}",
                    f"legacy-engine:{pattern}" if engine_route else f"legacy:{pattern}",
                    f"compat:{pattern}", "≤ 1.05 × legacy (same DSPy route)",
                    reference=f"legacy:{pattern}" if engine_route else None,
                    hot_path=_HOT_PATHS[pattern])


PAIRS: tuple[PairSpec, ...] = (
    *(_compat(p) for p in ("enhanced", "gateway", "bedrock", "simple", "dynamic")),
    PairSpec("unified:floor", "bare engine", "unified Predict", "≤ 1.10 × bare engine",
             limit=1.10),
    PairSpec("cache:predict-hit", "dspy cache hit", "unified cache hit",
             "≤ 1.05 × DSPy's own cache hit", limit=1.05),
    PairSpec("cache:hit-vs-1ms", "miss, 1 ms backend", "memory hit",
             "≤ 0.05 × a 1 ms backend's miss", limit=0.05, instrument=WALL,
             build=_wall("cache_pair")),
    PairSpec("http:gateway", "raw httpx", "gateway backend", "≤ 1.15 × raw httpx",
             limit=1.15, build=_wall("http_pair")),
    PairSpec("stream:first-chunk", "raw httpx SSE", "wrapper stream", "≤ 1.10 × raw httpx",
             limit=1.10, build=_wall("stream_pair", "harness.perf.stream")),
    PairSpec("import:unified", "import dspy", "import unified + dspy",
             "≤ 1.2 × import dspy", limit=1.2, instrument=IMPORT_COUNT),
)


def select_pairs(patterns: Sequence[str] = ()) -> list[PairSpec]:
    """The pairs whose names match any glob in ``patterns`` (all when empty)."""
    if not patterns:
        return list(PAIRS)
    chosen = [p for p in PAIRS if any(fnmatch.fnmatchcase(p.name, g) for g in patterns)]
    if not chosen:
        names = ", ".join(p.name for p in PAIRS)
        raise ValueError(f"no perf pair matches {list(patterns)}; pairs: {names}")
    return chosen


def limit_of(spec: PairSpec, config: GateConfig) -> float:
    """The pair's limit: a ``--target`` override, else its own, else 1 + min_effect."""
    if spec.name in config.targets:
        return float(config.targets[spec.name])
    return spec.limit if spec.limit is not None else 1.0 + config.min_effect


def count_subjects(subjects: dict[str, dict[str, Any] | None], config: GateConfig,
                   instrument: Instrument, *, repeats: int | None = None,
                   zero: dict[str, Any] | None = None) -> dict[str, tuple[Any, list[Any]]]:
    """Count each ``label -> (subject, inject)`` once with 0 calls (unless ``zero``
    already holds its 0-call count) and ``repeats`` times with ``config.calls`` calls;
    ``label -> (zero count, [counts])``."""
    jobs: list[Job] = []
    for label, spec in subjects.items():
        subject, inject = label.split("#")[0], spec
        if not zero or label not in zero:
            jobs.append(Job(f"{len(jobs)}", subject, 0, config.warmup_calls, inject))
        jobs += [Job(f"{len(jobs) + i}", subject, config.calls, config.warmup_calls, inject)
                 for i in range(repeats or config.count_repeats)]
    with serving(job.subject for job in jobs):
        counted = count_jobs(jobs, instrument, parallel=config.parallel)
    found: dict[str, tuple[Any, list[Any]]] = {}
    for label in subjects:
        subject = label.split("#")[0]
        mine = [j for j in jobs if j.subject == subject and j.inject == subjects[label]]
        zeros = [counted[j.id] for j in mine if j.calls == 0]
        found[label] = (zeros[0] if zeros else (zero or {})[label],
                        [counted[j.id] for j in mine if j.calls])
    return found


def _judge_count_pairs(specs: list[PairSpec], config: GateConfig, instrument: Instrument,
                       results: dict[str, PairResult], deadline: float,
                       raw: dict[str, Any]) -> dict[str, Any]:
    labels = {s for spec in specs for s in (spec.baseline, spec.candidate, spec.reference) if s}
    raw.update(count_subjects(dict.fromkeys(sorted(labels)), config, instrument))

    def judge() -> list[PairSpec]:
        costs = {k: per_call(z, runs, config.calls) for k, (z, runs) in raw.items()}
        for spec in specs:
            result = results[spec.name]
            judge_counts(result, costs[spec.baseline], costs[spec.candidate],
                         limit_of(spec, config), config.count_floor,
                         judge_waits=not spec.timed)
            if spec.reference:
                ref = costs[spec.reference]
                result.reference = {"subject": spec.reference, "route": "forward()",
                                    "cost": ref.as_dict(),
                                    "ratio": round(costs[spec.candidate].estimate
                                                   / ref.estimate, 4)}
            result.power["runs"] = len(raw[spec.candidate][1])
        # more jobs narrow only the jobs' spread, not the run-to-run floor
        return [s for s in specs if results[s.name].status == INCONCLUSIVE and verdict(
            Estimate(*ratio_interval(costs[s.baseline], costs[s.candidate])),
            limit_of(s, config)) == INCONCLUSIVE]

    pending = judge()
    while pending and time.monotonic() < deadline:
        more = {s for spec in pending for s in (spec.baseline, spec.candidate)}
        extra = count_subjects(dict.fromkeys(sorted(more)), config, instrument, repeats=1,
                               zero={k: raw[k][0] for k in more})
        for label, (_, runs) in extra.items():
            raw[label][1].extend(runs)
        pending = judge()
    return {k: per_call(z, runs, config.calls).as_dict() for k, (z, runs) in raw.items()}


def measure_wall(baseline: Subject, candidate: Subject, config: GateConfig,
                 deadline: float, limit: float) -> tuple[Estimate, list[float], list[float],
                                                         int]:
    """Interleaved rounds until the interval clears the limit or ``deadline`` passes:
    ``(ratio, baseline samples, candidate samples, operations per sample)``.

    A FAIL needs ``config.fail_rounds`` rounds (until then more are added, like for
    INCONCLUSIVE): a burst of load on a shared machine can slow one side for a dozen
    rounds (a clean gateway backend was timed at 1.87 × raw httpx [1.23–3.60] over its
    first 12 under load 4), rarely for four dozen, and the median of the per-round
    ratios shrugs off a minority of disturbed rounds; an injected slowdown is in every
    round and FAILs all the same."""
    inner: int | None = None            # calibrated on the first batch's warm-up
    warmup = config.warmup_seconds
    base: list[float] = []
    cand: list[float] = []
    while True:
        got = measure_pair(baseline, candidate, rounds=config.rounds, inner=inner,
                           sample_seconds=config.sample_seconds, warmup_seconds=warmup,
                           repeats=config.repeats)
        inner, warmup = got.inner, 0.0
        base += got.baseline
        cand += got.candidate
        ratio = median_interval([c / b for b, c in zip(base, cand, strict=True)],
                                config.confidence)
        status = verdict(ratio, limit)
        settled = status == PASS or (status == FAIL and len(base) >= config.fail_rounds)
        if settled or time.monotonic() >= deadline:
            return ratio, base, cand, inner


def _stats(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median_s": ordered[len(ordered) // 2], "min_s": ordered[0], "max_s": ordered[-1],
            "n": len(ordered)}


def _judge_wall_pair(spec: PairSpec, config: GateConfig, result: PairResult,
                     deadline: float) -> None:
    assert spec.build is not None
    limit = limit_of(spec, config)
    baseline, candidate = spec.build(None, False)
    try:
        ratio, base, cand, inner = measure_wall(baseline, candidate, config, deadline, limit)
    finally:
        for subject in (baseline, candidate):
            subject.close()
    result.estimate, result.low, result.high = ratio.estimate, ratio.low, ratio.high
    result.baseline_cost, result.candidate_cost = _stats(base), _stats(cand)
    result.power = {"rounds": len(base), "inner": inner, "confidence": config.confidence,
                    "resolves": round(ratio.width, 5)}
    result.status = verdict(ratio, limit)
    result.detail = (f"median of {len(base)} per-round ratios, {config.confidence:.0%} "
                     f"interval (can resolve ±{ratio.width / 2:.1%})")


def judge_timed(spec: PairSpec, config: GateConfig, result: PairResult,
                deadline: float) -> None:
    """Time the round trips of a counted pair (``spec.timed``) on the wall into
    ``result.timed``; its status becomes the worse of both instruments."""
    wall = PairResult(spec.name, spec.baseline, spec.candidate, spec.target, result.limit,
                      ERROR, instrument=WALL)
    try:
        _judge_wall_pair(spec, config, wall, deadline)
    except Exception as exc:  # noqa: BLE001 - reported in the table, fails the gate
        wall.detail = f"failed while measuring: {type(exc).__name__}: {exc}"
    result.timed = {k: getattr(wall, k) for k in (
        "instrument", "estimate", "low", "high", "status", "detail", "baseline_cost",
        "candidate_cost", "power")}
    result.instrument = f"{result.instrument} + {WALL}"
    result.status = worst(result.status, wall.status)
    result.detail += f"; {WALL} {wall.status}: {wall.detail}"


def _judge_import(spec: PairSpec, config: GateConfig, result: PairResult,
                  subjects: dict[str, Any], instrument_info: dict[str, str]) -> None:
    """The import pair (:mod:`harness.perf.imports`); the clean candidate's cost is kept
    in ``subjects`` for the self-test."""
    from .imports import judge_import_pair
    from .subjects import IMPORT_STATEMENTS

    began = time.perf_counter()
    try:
        instrument = detect_instrument()
        instrument_info.setdefault("name", instrument.name)
        instrument_info.setdefault("reason", instrument.reason)
        result.instrument = instrument.name
        cand = judge_import_pair(result, IMPORT_STATEMENTS["dspy"],
                                 IMPORT_STATEMENTS["unified+dspy"], instrument, config,
                                 limit_of(spec, config))
        subjects[spec.candidate] = cand.as_dict()
    except (InstrumentError, OSError, ValueError, subprocess.SubprocessError) as exc:
        result.detail = f"could not count: {exc}"
    result.seconds = round(time.perf_counter() - began, 3)


def run_gate(config: GateConfig | None = None, patterns: Sequence[str] = (),
             progress: Callable[[PairResult], None] | None = None) -> GateResult:
    """Run the selected pairs (all by default) and return the verdicts."""
    config = config or GateConfig()
    start, machine = time.perf_counter(), machine_info()
    specs = select_pairs(patterns)
    results = {s.name: PairResult(s.name, s.baseline, s.candidate, s.target,
                                  limit_of(s, config), ERROR, instrument=s.instrument)
               for s in specs}
    counted = [s for s in specs if s.instrument == COUNT]
    instrument_info: dict[str, str] = {}
    subjects: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    if counted:
        began = time.perf_counter()
        try:
            instrument = detect_instrument()
            instrument_info = {"name": instrument.name, "reason": instrument.reason}
            subjects = _judge_count_pairs(counted, config, instrument, results,
                                          time.monotonic() + config.budget_seconds, raw)
        except (InstrumentError, OSError, ValueError) as exc:
            for spec in counted:
                results[spec.name].detail = f"could not count: {exc}"
        for spec in counted:
            results[spec.name].instrument = instrument_info.get("name", COUNT)
            results[spec.name].seconds = round(time.perf_counter() - began, 3)
            if progress is not None and not spec.timed:
                progress(results[spec.name])
    for spec in (s for s in specs if s.instrument == IMPORT_COUNT):
        _judge_import(spec, config, results[spec.name], subjects, instrument_info)
        if progress is not None:
            progress(results[spec.name])
    walls = [s for s in specs if s.timed or s.instrument not in (COUNT, IMPORT_COUNT)]
    for spec in walls:
        began = time.perf_counter()
        deadline = time.monotonic() + config.budget_seconds / len(walls)
        try:
            if spec.timed:
                judge_timed(spec, config, results[spec.name], deadline)
            else:
                _judge_wall_pair(spec, config, results[spec.name], deadline)
        except Exception as exc:  # noqa: BLE001 - reported in the table, fails the gate
            results[spec.name].detail = f"failed while measuring: {type(exc).__name__}: {exc}"
        results[spec.name].seconds += round(time.perf_counter() - began, 3)
        if progress is not None:
            progress(results[spec.name])
    machine["loadavg_after"] = machine_info()["loadavg"]
    return GateResult(config, [results[s.name] for s in specs], time.perf_counter() - start,
                      machine, instrument_info, subjects, raw)
