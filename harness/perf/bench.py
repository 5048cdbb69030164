"""``python -m harness bench``: run the benchmark suite, keep its JSON, extend the history.

1. ``pytest suites/bench -m bench --benchmark-only --benchmark-json=<file>`` writes
   pytest-benchmark's JSON (every round's timing, ``machine_info``, ``commit_info``) to
   ``reports/latest/bench/<UTC time>_<commit>.json`` (ignored by git; ``make publish``
   appends the history lines to the committed ``reports/bench/history.jsonl``);
2. one summary line per run is appended to ``history.jsonl`` next to it: commit,
   time, machine, and per benchmark its group, median, quartiles and rounds;
3. each benchmark is compared with the latest earlier run of another commit (its JSON
   file, when still there) by :func:`harness.perf.measure.decide`: ``regression: true`` when it
   is slower by more than ``min_effect`` and Mann-Whitney U gives ``p < alpha`` — the
   dashboard marks those points.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .measure import GateConfig, decide

__all__ = ["run_bench", "summarize_run", "append_history", "load_history", "cmd_bench",
           "register", "HISTORY_NAME"]

ROOT = Path(__file__).resolve().parents[2]
HISTORY_NAME = "history.jsonl"


def load_history(path: Path) -> list[dict[str, Any]]:
    """The history lines (oldest first); unreadable lines are skipped."""
    if not path.exists():
        return []
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue
    return lines


def _benchmarks(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["fullname"]: b for b in run.get("benchmarks", [])}


def _previous(history: list[dict[str, Any]], commit: str, directory: Path
              ) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """The latest earlier run of another commit, and its benchmarks with raw data."""
    for line in reversed(history):
        if line.get("commit") == commit:
            continue
        path = directory / str(line.get("file", ""))
        if line.get("file") and path.is_file():
            return line, _benchmarks(json.loads(path.read_text(encoding="utf-8")))
        return line, {}
    return None, {}


def summarize_run(run: dict[str, Any], file_name: str, history: list[dict[str, Any]],
                  directory: Path, config: GateConfig | None = None) -> dict[str, Any]:
    """The history line of one pytest-benchmark JSON document (see module docstring)."""
    config = config or GateConfig()
    commit_info, machine = run.get("commit_info", {}), run.get("machine_info", {})
    commit = str(commit_info.get("id") or "unknown")
    before, before_benchmarks = _previous(history, commit, directory)
    rows = []
    for name, bench in _benchmarks(run).items():
        stats = bench["stats"]
        row: dict[str, Any] = {
            "name": name, "short": bench["name"], "group": bench.get("group") or "ungrouped",
            "median": stats["median"], "q1": stats["q1"], "q3": stats["q3"],
            "iqr": stats["iqr"], "mean": stats["mean"], "rounds": stats["rounds"],
            "extra": bench.get("extra_info", {}), "regression": False}
        old = before_benchmarks.get(name)
        if old and len(old["stats"].get("data", [])) >= 5 and len(stats.get("data", [])) >= 5:
            verdict = decide(old["stats"]["data"], stats["data"],
                             limit=1 + config.min_effect, alpha=config.alpha)
            row.update(vs_commit=before["commit"] if before else None,
                       ratio=verdict.ratio, p_value=verdict.p_value,
                       regression=verdict.regression)
        rows.append(row)
    return {"generated_at": run.get("datetime") or datetime.now(UTC).isoformat(),
            "commit": commit, "short_commit": commit[:10],
            "dirty": bool(commit_info.get("dirty")), "branch": commit_info.get("branch"),
            "commit_time": commit_info.get("time"), "file": file_name,
            "machine": {k: machine.get(k) for k in ("node", "processor", "machine",
                                                    "python_version", "system", "release")}
            | {"cpu_count": (machine.get("cpu") or {}).get("count")},
            "benchmarks": rows}


def append_history(line: dict[str, Any], path: Path) -> None:
    """Append one summary line to the history file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, default=str) + "\n")


def _short_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], capture_output=True,
                         text=True, check=False, cwd=ROOT)
    return out.stdout.strip() or "nocommit"


def run_bench(directory: Path, pytest_args: Sequence[str] = (),
              config: GateConfig | None = None) -> tuple[int, Path, dict[str, Any] | None]:
    """Run the suite; return ``(pytest exit code, JSON path, history line or None)``."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"{stamp}_{_short_commit()}.json"
    command = [sys.executable, "-m", "pytest", str(ROOT / "suites" / "bench"), "-m", "bench",
               "--benchmark-only", f"--benchmark-json={target}", "--benchmark-save-data",
               "--benchmark-columns=median,iqr,rounds", "-q", *pytest_args]
    print("$ " + " ".join(command), flush=True)
    code = subprocess.run(command, cwd=ROOT, check=False).returncode
    if not target.is_file():
        return code or 1, target, None
    history_path = directory / HISTORY_NAME
    line = summarize_run(json.loads(target.read_text(encoding="utf-8")), target.name,
                         load_history(history_path), directory, config)
    append_history(line, history_path)
    return code, target, line


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmarks and report regressions against the previous commit."""
    code, path, line = run_bench(Path(args.output), args.pytest_args,
                                 GateConfig(alpha=args.alpha, min_effect=args.min_effect))
    if line is None:
        print(f"no benchmark JSON was written ({path})", file=sys.stderr)
        return code or 1
    flagged = [b for b in line["benchmarks"] if b["regression"]]
    print(f"[bench] {len(line['benchmarks'])} benchmarks at {line['short_commit']} -> {path}")
    for bench in flagged:
        print(f"[bench] REGRESSION {bench['name']}: x{bench['ratio']:.3f} vs "
              f"{str(bench['vs_commit'])[:10]} (p={bench['p_value']:.2g})")
    return code


def register(sub: Any, *, reports: str) -> None:
    """Add the ``bench`` subcommand to the harness CLI."""
    defaults = GateConfig()
    bench = sub.add_parser("bench", help="run the benchmarks, save JSON and history")
    bench.add_argument("--output", default=str(Path(reports) / "bench"),
                       help="directory of the JSON files and history.jsonl")
    bench.add_argument("--alpha", type=float, default=defaults.alpha)
    bench.add_argument("--min-effect", type=float, default=defaults.min_effect)
    bench.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    bench.set_defaults(func=cmd_bench)
