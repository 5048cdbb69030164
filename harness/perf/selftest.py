"""The perf gate's self-test: inject +3 %, +10 % and +2 ms into each pair's candidate.

A gate is only worth its verdicts if it sees the slowdowns it exists for. For every
measured pair, three mutants slow the candidate down, and the gate compares the mutated
candidate with the clean one *in the same run* under the regression rule (limit
``1 + config.regression``, 1.02: every +3 % change must FAIL, while the clean tree,
measured against itself, stays within). The mutants:

- ``+3%`` and ``+10%`` — extra work of that share of the candidate's own cost per call.
  Count pairs: ``k`` iterations of :func:`harness.perf.server.burn` inside the shim's
  hot path (``PairSpec.hot_path``, e.g. ``DSPyWrapper.predict``), ``k`` calibrated from
  a counted burn job and the clean candidate's instructions per call. Wall pairs: a
  busy-wait of that share of the time each batch of operations just took (so the
  slowdown stays +3 % / +10 % when the machine's load slows the operations down).
- ``+2ms`` — ``time.sleep(0.002)`` per call. Instructions cannot see a sleep; the
  counting child records the calls' voluntary context switches, and a candidate that
  blocks on every call where its baseline does not FAILs
  (:data:`~harness.perf.verdict.WAIT_LIMIT`). Wall pairs see the time itself.

The import pair's mutants are code appended to the candidate's fresh interpreter
(:mod:`harness.perf.imports`): the calibrated loop, or the sleep, caught by the fewest
voluntary context switches of native runs.

The HTTP and stream pairs are judged by both instruments (:mod:`harness.perf.wire`):
their mutants are counted first, and one the counts let through (the sleep: it adds no
instructions, and those pairs' waits are not judged by count since every call blocks on
its round trip) is then timed on the wall; the row keeps both sides and FAILs when
either does, as the gate would.

A wall mutant adds rounds while its verdict is INCONCLUSIVE, for up to 45 s; a counted
mutant is decided at once. (A +3 % slowdown against the 1.02 regression limit needs an
interval of about ±1 %, which a busy machine's wall clock does not give reliably: that
is why the HTTP and stream pairs' client work is counted.)

``detected`` means the verdict is FAIL. An INCONCLUSIVE mutant still makes the gate exit
non-zero (unless ``--perf-inconclusive=warn``) but is reported as not detected.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from .count import Instrument, detect_instrument, per_call
from .gate import (
    COUNT,
    IMPORT_COUNT,
    WALL,
    PairSpec,
    count_subjects,
    measure_wall,
    select_pairs,
)
from .measure import GateConfig, GateResult, PairResult
from .verdict import ERROR, FAIL, judge_counts, verdict, worst

__all__ = ["MUTANTS", "run_selftest"]

#: (name, share of the candidate's cost as extra work, seconds slept per call)
MUTANTS: tuple[tuple[str, float, float], ...] = (("+3%", 0.03, 0.0), ("+10%", 0.10, 0.0),
                                                 ("+2ms", 0.0, 0.002))
_BURN_PER_CALL = 1000  # iterations per call of the "burn" calibration subject


def _burn_cost(config: GateConfig, instrument: Instrument) -> float:
    """Instructions of one :func:`~harness.perf.server.burn` iteration."""
    ((zero, runs),) = count_subjects({"burn": None}, config, instrument, repeats=1).values()
    return per_call(zero, runs, config.calls).estimate / _BURN_PER_CALL


def _count_rows(specs: Sequence[PairSpec], gate: GateResult, config: GateConfig,
                instrument: Instrument) -> list[dict[str, Any]]:
    per_iteration = _burn_cost(config, instrument)
    labels: dict[str, dict[str, Any] | None] = {}
    for spec in specs:
        clean = gate.subjects[spec.candidate]["estimate"]
        if spec.candidate not in gate.counts:  # else the gate's clean counts are reused
            labels[spec.candidate] = None
        for name, share, sleep in MUTANTS:
            inject: dict[str, Any] = {"target": spec.hot_path} if spec.hot_path else {}
            if share:
                inject["burn"] = max(1, round(share * clean / per_iteration))
            if sleep:
                inject["sleep"] = sleep
            labels[f"{spec.candidate}#{spec.name}{name}"] = inject
    # one N-call job per mutant (and its own 0-call job: the warm-up calls are slowed too)
    counted = {**gate.counts, **count_subjects(labels, config, instrument, repeats=1)}
    rows = []
    for spec in specs:
        zero, runs = counted[spec.candidate]
        clean = per_call(zero, runs, config.calls)
        for name, _, _ in MUTANTS:
            label = f"{spec.candidate}#{spec.name}{name}"
            result = PairResult(spec.name, f"{spec.candidate} (clean)", label, "regression",
                                1.0 + config.regression, ERROR, instrument=instrument.name)
            mutant_zero, mutant_runs = counted[label]
            judge_counts(result, clean, per_call(mutant_zero, mutant_runs, config.calls),
                         result.limit, config.count_floor, judge_waits=not spec.timed)
            rows.append(_row(result, name, labels[label]))
    return rows


def _wall_row(spec: PairSpec, mutant: tuple[str, float, float], config: GateConfig,
              seconds: float) -> dict[str, Any]:
    """One mutant of a wall-timed pair, measured for up to ``seconds``."""
    assert spec.build is not None
    name, share, sleep = mutant
    inject = {"share": share} if share else {"sleep": sleep}
    limit = 1.0 + config.regression
    result = PairResult(spec.name, f"{spec.candidate} (clean)", spec.candidate,
                        "regression", limit, ERROR, instrument=WALL)
    baseline, candidate = spec.build(inject, True)
    try:
        ratio, base, _, _ = measure_wall(baseline, candidate, config,
                                         time.monotonic() + seconds, limit)
        result.estimate, result.low, result.high = ratio.estimate, ratio.low, ratio.high
        result.status = verdict(ratio, limit)
        result.detail = f"{len(base)} rounds"
    except Exception as exc:  # noqa: BLE001 - reported as not detected
        result.detail = f"{type(exc).__name__}: {exc}"
    finally:
        baseline.close()
        candidate.close()
    return _row(result, name, inject)


def _also_timed(rows: list[dict[str, Any]], specs: Sequence[PairSpec], config: GateConfig,
                seconds: float) -> None:
    """A pair judged by both instruments FAILs when either does: the mutants its counted
    side let through (a sleep adds no instructions) are timed on the wall too."""
    timed = {s.name: s for s in specs if s.timed}
    mutants = {m[0]: m for m in MUTANTS}
    for row in rows:
        spec = timed.get(row["pair"])
        if spec is None or row["detected"]:
            continue
        wall = _wall_row(spec, mutants[row["mutant"]], config, seconds)
        row["timed"] = {k: wall[k] for k in ("instrument", "inject", "estimate", "low",
                                             "high", "status", "detail")}
        row["instrument"] += f" + {WALL}"
        row["status"] = worst(row["status"], wall["status"])
        row["detected"] = row["status"] == FAIL


def _import_rows(specs: Sequence[PairSpec], gate: GateResult,
                 config: GateConfig) -> list[dict[str, Any]]:
    """The import pair's mutants: code appended to the candidate's fresh interpreter
    (:mod:`harness.perf.imports`), judged against the gate's clean candidate."""
    from .count import PerCall
    from .imports import import_rows
    from .subjects import IMPORT_STATEMENTS

    rows = []
    for spec in specs:
        cost = gate.subjects[spec.candidate]
        clean = PerCall(cost["estimate"], cost["low"], cost["high"], cost["waits_per_call"],
                        tuple(cost["runs"]))
        for result in import_rows(MUTANTS, IMPORT_STATEMENTS["unified+dspy"], clean,
                                  detect_instrument(), config):
            rows.append(_row(result, result.candidate, result.power.get("inject")))
    return rows


def _row(result: PairResult, mutant: str, inject: dict[str, Any] | None) -> dict[str, Any]:
    return {"pair": result.name, "mutant": mutant, "inject": inject or {},
            "instrument": result.instrument, "estimate": result.estimate, "low": result.low,
            "high": result.high, "limit": result.limit, "status": result.status,
            "detected": result.status == FAIL, "detail": result.detail}


def run_selftest(gate: GateResult, config: GateConfig, patterns: Sequence[str] = (),
                 per_mutant_seconds: float = 45.0) -> dict[str, Any]:
    """Inject each mutant into each pair's candidate measured clean by ``gate``; the
    detection table (``rows``, ``detected``, ``total``)."""
    measured = {p.name for p in gate.pairs if p.status != ERROR}
    specs = [s for s in select_pairs(patterns) if s.name in measured]
    count_specs = [s for s in specs if s.instrument == COUNT]
    rows: list[dict[str, Any]] = []
    instrument = detect_instrument() if count_specs else None
    if instrument is not None:
        rows += _count_rows(count_specs, gate, config, instrument)
    rows += _import_rows([s for s in specs if s.instrument == IMPORT_COUNT], gate, config)
    _also_timed(rows, count_specs, config, per_mutant_seconds)
    rows += [_wall_row(spec, mutant, config, per_mutant_seconds)
             for spec in specs if spec.instrument not in (COUNT, IMPORT_COUNT)
             for mutant in MUTANTS]
    detected = sum(r["detected"] for r in rows)
    return {"regression_limit": 1.0 + config.regression,
            "instrument": instrument.name if instrument else None,
            "detected": detected, "total": len(rows), "rows": rows}
