"""Counted instructions: the perf gate's instrument for in-process pairs.

Wall time on a shared 2-CPU machine wanders by far more than the few percent the gate
must see; the number of instructions a piece of Python executes does not. Each
measurement is a *job* (a subject, a number of calls, maybe an injected slowdown) run
by :mod:`harness.perf.server` in its own fresh process with ``PYTHONHASHSEED=0``, after
a warm-up. Per subject the gate counts one job of 0 calls and ``repeats`` jobs of
``calls`` calls: their difference divided by ``calls`` is the cost of one call, with
interpreter start-up, imports, building and warm-up cancelled out.

Instruments, chosen at run time (:func:`detect_instrument`, or ``UNIFIED_PERF_INSTRUMENT``):

- ``perf``: the CPU's retired-instruction counter (``perf stat -e instructions:u``) when
  ``perf_event_open`` is allowed; each job is one process (start-up counted, cancelled);
- ``cachegrind``: ``valgrind --tool=cachegrind``; one server process imports everything
  once and forks a child per job, each child leaving its own count (start-up is
  shared between all jobs of the gate and cancelled by the 0-call job).

Besides instructions every job reports its *waits*: the voluntary context switches of
the counted calls. A call that sleeps or blocks shows there while adding (almost) no
instructions, so the gate judges an added wait separately (see :mod:`harness.perf.gate`).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Job", "JobCount", "Instrument", "detect_instrument", "count_jobs", "PerCall",
           "counter_command", "read_count",
           "per_call", "ratio_interval", "InstrumentError", "parse_cachegrind", "parse_perf"]

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENTS = ("cachegrind", "perf")


class InstrumentError(RuntimeError):
    """No instruction counter works here, or a counting job failed."""


@dataclass(frozen=True)
class Job:
    """One counted run: build ``subject``, warm up, run ``calls`` operations."""

    id: str
    subject: str
    calls: int
    warmup: int = 10
    inject: dict[str, Any] | None = None


@dataclass(frozen=True)
class JobCount:
    """What one job cost: instructions of the whole process, waits, wall seconds."""

    instructions: int
    waits: int
    wall: float


@dataclass(frozen=True)
class Instrument:
    """The chosen counter and why."""

    name: str
    reason: str


def _perf_works() -> bool:
    if shutil.which("perf") is None:
        return False
    try:
        out = subprocess.run(["perf", "stat", "-x,", "-e", "instructions:u", "true"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return parse_perf(out.stderr) is not None


def detect_instrument() -> Instrument:
    """``perf`` when the CPU counters can be read, else ``cachegrind`` when valgrind is
    installed; ``UNIFIED_PERF_INSTRUMENT`` forces one. Raises :class:`InstrumentError`."""
    forced = os.environ.get("UNIFIED_PERF_INSTRUMENT", "").strip()
    if forced:
        if forced not in INSTRUMENTS:
            raise InstrumentError(f"UNIFIED_PERF_INSTRUMENT={forced!r}; expected one of "
                                  f"{INSTRUMENTS}")
        return Instrument(forced, "forced by UNIFIED_PERF_INSTRUMENT")
    if _perf_works():
        return Instrument("perf", "perf stat -e instructions:u counts on this machine")
    if shutil.which("valgrind"):
        return Instrument("cachegrind", "perf_event_open gives no instruction counter here "
                                        "(perf stat: <not supported>); valgrind found")
    raise InstrumentError("no instruction counter: install valgrind (apt-get install "
                          "valgrind) or allow perf_event_open (kernel.perf_event_paranoid)")


def parse_cachegrind(text: str) -> int:
    """The instruction total of a cachegrind output file (its ``summary:`` line)."""
    for line in text.splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise InstrumentError("cachegrind output without a summary line")


def parse_perf(text: str) -> int | None:
    """The ``instructions`` count of ``perf stat -x,`` output (None when unsupported)."""
    for line in text.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith("instructions"):
            return int(fields[0]) if fields[0].isdigit() else None
    return None


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONHASHSEED": "0",
            "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else ""),
            "DSPY_CACHEDIR": os.environ.get("DSPY_CACHEDIR",
                                            tempfile.gettempdir() + "/unified-perf-dspy-cache")}


def _plan(directory: Path, jobs: Sequence[Job], parallel: int) -> Path:
    plan = directory / "plan.json"
    plan.write_text(json.dumps({"parallel": parallel, "jobs": [
        {"id": j.id, "subject": j.subject, "calls": j.calls, "warmup": j.warmup,
         "inject": j.inject} for j in jobs]}), encoding="utf-8")
    return plan


def _server(*args: str) -> list[str]:
    return [sys.executable, "-m", "harness.perf.server", *args]


def _run(command: list[str], timeout: float) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env=_env())
    if done.returncode != 0:
        raise InstrumentError(f"counting server failed ({done.returncode}): "
                              f"{done.stderr.strip()[-2000:]}")


def _record(directory: Path, job: Job) -> dict[str, Any]:
    error = directory / f"{job.id}.error"
    if error.exists():
        raise InstrumentError(f"job {job.subject!r} failed: {error.read_text()}")
    path = directory / f"{job.id}.json"
    if not path.exists():
        raise InstrumentError(f"job {job.subject!r} left no record")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def counter_command(instrument: Instrument, out: str) -> list[str]:
    """The command prefix that runs a program under ``instrument``, its count written to
    ``out`` (cachegrind expands ``%p`` to each process's pid)."""
    if instrument.name == "cachegrind":
        return ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--quiet",
                f"--cachegrind-out-file={out}"]
    return ["perf", "stat", "-x,", "-e", "instructions:u", "-o", out]


def read_count(instrument: Instrument, out: Path) -> int:
    """The instruction total ``instrument`` wrote to ``out``."""
    text = out.read_text()
    if instrument.name == "cachegrind":
        return parse_cachegrind(text)
    counted = parse_perf(text)
    if counted is None:
        raise InstrumentError("perf stat gave no instruction count")
    return counted


def count_jobs(jobs: Sequence[Job], instrument: Instrument, *, parallel: int = 1,
               timeout: float = 900.0) -> dict[str, JobCount]:
    """Run ``jobs`` under ``instrument``; their counts by job id."""
    with tempfile.TemporaryDirectory(prefix="unified-perf-count-") as tmp:
        directory = Path(tmp)
        counts: dict[str, JobCount] = {}
        if instrument.name == "cachegrind":
            _run([*counter_command(instrument, f"{directory}/cg.%p"),
                  *_server(str(_plan(directory, jobs, parallel)), str(directory))], timeout)
            for job in jobs:
                rec = _record(directory, job)
                total = read_count(instrument, directory / f"cg.{rec['pid']}")
                counts[job.id] = JobCount(total, int(rec["waits"]), float(rec["wall"]))
            return counts
        for job in jobs:
            one = directory / job.id
            one.mkdir()
            out = one / "perf.csv"
            _run([*counter_command(instrument, str(out)),
                  *_server("--no-fork", str(_plan(one, [job], 1)), str(one))], timeout)
            counted = read_count(instrument, out)
            rec = _record(one, job)
            counts[job.id] = JobCount(counted, int(rec["waits"]), float(rec["wall"]))
        return counts


@dataclass(frozen=True)
class PerCall:
    """One subject's cost per call: the estimate and its bounds (instructions), and the
    waits per call."""

    estimate: float
    low: float
    high: float
    waits: float
    runs: tuple[int, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"estimate": round(self.estimate, 1), "low": round(self.low, 1),
                "high": round(self.high, 1), "waits_per_call": round(self.waits, 3),
                "runs": list(self.runs)}


def per_call(zero: JobCount, runs: Sequence[JobCount], calls: int) -> PerCall:
    """Instructions per call from one 0-call job and the ``calls``-call ``runs``.

    Estimate: (median run − zero) / calls. Bounds: the extreme runs, each widened by the
    runs' whole spread, which also stands for the uncertainty of the single 0-call
    count (the same process, measured once)."""
    if not runs or calls <= 0:
        raise ValueError("per_call needs at least one run of at least one call")
    totals = [r.instructions for r in runs]
    spread = max(totals) - min(totals)
    base = zero.instructions
    waits = statistics.median(r.waits for r in runs) - zero.waits
    return PerCall(estimate=(statistics.median(totals) - base) / calls,
                   low=(min(totals) - base - spread) / calls,
                   high=(max(totals) - base + spread) / calls,
                   waits=max(0.0, waits / calls), runs=tuple(totals))


def ratio_interval(baseline: PerCall, candidate: PerCall) -> tuple[float, float, float]:
    """``(estimate, low, high)`` of candidate ÷ baseline; the estimate lies inside."""
    if baseline.low <= 0:
        raise InstrumentError(f"baseline costs no instructions per call ({baseline.low:.0f})")
    return (candidate.estimate / baseline.estimate, candidate.low / baseline.high,
            candidate.high / baseline.low)
