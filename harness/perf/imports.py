"""The import pair, counted: instructions of fresh interpreters importing each side.

Timing an import in CPU seconds could not resolve a few percent on a busy 2-CPU
machine (the self-test's +3 % and +2 ms import mutants stayed INCONCLUSIVE). The
instructions a fresh ``python -c "import …"`` executes can: with ``PYTHONHASHSEED=0``
and warm ``.pyc`` files two runs of ``import dspy`` agree to ~0.05 %. So each side of
``import:unified`` is a statement run ``count_repeats`` times under the gate's
instrument (cachegrind or ``perf stat``, :mod:`harness.perf.count`), start-up included
on both sides; the interval is the runs' spread widened to the gate's count floor.

A sleep adds no instructions: each side also runs ``WAIT_RUNS`` times natively, the
sides in turn, and the fewest voluntary context switches of those runs stands for its
waits (:func:`interleaved_waits`); a candidate that blocks more than its baseline
FAILs, as counted pairs do. The switches are read inside the child around the
statement alone: the interpreter's start-up and teardown blocked
1–20 times a run on a machine under load (a clean tree's candidate then measured 3
waits against ``import dspy``'s 1), the statement itself 0 in most runs.

The self-test's mutants are code appended to the candidate statement
(:func:`mutant_code`): a calibrated :func:`~harness.perf.server.burn` loop for +3 % /
+10 %, ``time.sleep(0.002)`` for +2 ms.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from .count import (
    ROOT,
    Instrument,
    InstrumentError,
    PerCall,
    counter_command,
    read_count,
)
from .measure import GateConfig, PairResult
from .verdict import judge_counts

__all__ = ["WAIT_RUNS", "count_statement", "interleaved_waits", "statement_cost",
           "judge_import_pair", "mutant_code", "burn_instructions"]

#: Native runs per side whose fewest voluntary context switches are its waits.
WAIT_RUNS = 7
_BURN_DEF = ("\ndef _unified_perf_burn(n):\n    import itertools\n"
             "    for _ in itertools.repeat(None, n):\n        pass\n")
_CALIBRATION = 2_000_000


def _env() -> dict[str, str]:
    """The children's environment. Bytecode may be written: an installed package has
    its ``.pyc`` files (pip compiles them), and under ``PYTHONDONTWRITEBYTECODE`` an
    editable ``unified`` would be compiled from source on every counted import while
    ``dspy`` is not (a clean clone measured 1.210 × instead of 1.088 ×)."""
    from .count import _env as count_env
    from .subjects import _child_env

    env = {**_child_env(), **count_env()}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def count_statement(statement: str, instrument: Instrument, *, timeout: float = 600.0) -> int:
    """Instructions of one fresh ``python -c statement`` under ``instrument``."""
    with tempfile.TemporaryDirectory(prefix="unified-perf-import-") as tmp:
        out = Path(tmp) / "count.out"
        done = subprocess.run([*counter_command(instrument, str(out)), sys.executable, "-c",
                               statement], cwd=ROOT, env=_env(), capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise InstrumentError(f"counting {statement!r} failed ({done.returncode}): "
                                  f"{done.stderr.strip()[-1000:]}")
        return read_count(instrument, out)


_SWITCHES = "__import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_nvcsw"


def _voluntary_switches(statement: str) -> int:
    """Voluntary context switches of ``statement`` in one native fresh interpreter."""
    code = (f"_unified_perf_waits = {_SWITCHES}\n{statement}\n"
            f"print('waits', {_SWITCHES} - _unified_perf_waits)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(),
                          capture_output=True, text=True)
    lines = done.stdout.splitlines()
    if done.returncode != 0 or not lines or not lines[-1].startswith("waits "):
        raise InstrumentError(f"{statement!r} failed ({done.returncode}): "
                              f"{done.stderr.strip()[-1000:]}")
    return int(lines[-1].split()[1])


def interleaved_waits(baseline: str, candidate: str, runs: int = WAIT_RUNS) -> tuple[int, int]:
    """The fewest voluntary switches of each statement over ``runs`` native runs a side,
    taken in turn (B C, C B, B C …) so that both sides see the same load: under load a
    statement blocks more the longer it runs (a pure loop of +10 % blocked 3 more times),
    and sides measured minutes apart compared their machine's moods, not their waits."""
    found: tuple[list[int], list[int]] = ([], [])
    for turn in range(runs):
        for side in ((0, 1) if turn % 2 == 0 else (1, 0)):
            found[side].append(_voluntary_switches((baseline, candidate)[side]))
    return min(found[0]), min(found[1])


def statement_cost(statement: str, instrument: Instrument, config: GateConfig,
                   repeats: int | None = None, waits: int = 0) -> PerCall:
    """One side's cost: ``repeats`` counted runs (spread = the bounds), with ``waits``
    (:func:`interleaved_waits`; its native runs go first and leave the bytecode the
    counted runs then read)."""
    with ThreadPoolExecutor(max_workers=max(1, config.parallel)) as pool:
        totals = list(pool.map(lambda _: count_statement(statement, instrument),
                               range(repeats or config.count_repeats)))
    spread = max(totals) - min(totals)
    ordered = sorted(totals)
    return PerCall(estimate=float(ordered[len(ordered) // 2]), low=float(min(totals) - spread),
                   high=float(max(totals) + spread), waits=float(waits), runs=tuple(totals))


def judge_import_pair(result: PairResult, baseline: str, candidate: str,
                      instrument: Instrument, config: GateConfig, limit: float,
                      clean: PerCall | None = None) -> PerCall:
    """Fill ``result`` for ``candidate`` vs ``baseline`` statements; the baseline's cost
    may be given (``clean``, the self-test's clean candidate). Returns the candidate's."""
    base_waits, cand_waits = interleaved_waits(baseline, candidate)
    base = (replace(clean, waits=float(base_waits)) if clean is not None
            else statement_cost(baseline, instrument, config, waits=base_waits))
    cand = statement_cost(candidate, instrument, config,
                          repeats=1 if clean is not None else None, waits=cand_waits)
    judge_counts(result, base, cand, limit, config.count_floor)
    result.detail = result.detail.replace("instructions per call",
                                          "instructions per fresh interpreter")
    result.detail = result.detail.replace("times per call", "times per interpreter")
    result.power = {**result.power, "runs": len(cand.runs), "wait_runs": WAIT_RUNS}
    return cand


def burn_instructions(instrument: Instrument) -> float:
    """Instructions of one :func:`~harness.perf.server.burn`-style iteration run in a
    fresh interpreter (two counted interpreters, with 0 and 2,000,000 iterations)."""
    zero, many = (count_statement(_BURN_DEF + f"_unified_perf_burn({n})", instrument)
                  for n in (0, _CALIBRATION))
    return (many - zero) / _CALIBRATION


def mutant_code(inject: dict[str, Any] | None) -> str:
    """Code appended to the candidate statement for ``inject``: ``burn`` iterations of
    work and/or ``sleep`` seconds."""
    if not inject:
        return ""
    code = ""
    if inject.get("burn"):
        code += _BURN_DEF + f"_unified_perf_burn({int(inject['burn'])})\n"
    if inject.get("sleep"):
        code += f"\nimport time as _unified_perf_time\n_unified_perf_time.sleep({inject['sleep']!r})\n"
    return code


def import_rows(names: Sequence[tuple[str, float, float]], statement: str, clean: PerCall,
                instrument: Instrument, config: GateConfig) -> list[PairResult]:
    """The self-test's import mutants: each ``(name, share, sleep)`` appended to
    ``statement`` and judged against the ``clean`` candidate under the regression rule."""
    per_iteration = burn_instructions(instrument) if any(s for _, s, _ in names) else 1.0
    results = []
    for name, share, sleep in names:
        inject: dict[str, Any] = {}
        if share:
            inject["burn"] = max(1, round(share * clean.estimate / per_iteration))
        if sleep:
            inject["sleep"] = sleep
        result = PairResult("import:unified", "import unified + dspy (clean)", name,
                            "regression", 1.0 + config.regression, "ERROR",
                            instrument=instrument.name)
        judge_import_pair(result, statement, statement + mutant_code(inject), instrument,
                          config, result.limit, clean=clean)
        result.power["inject"] = inject
        results.append(result)
    return results
