"""``python -m harness merge DIR... [--reports OUT]``: the shard reports of one parity run
(``parity --shard K/N``, each written to its own directory) become one ``parity.json``,
``parity.md``, JUnit file and dashboard, as if the run had not been split.

Every shard 1..N of the same N must be there exactly once, and no scenario may appear
in two shards (:class:`MergeError`, exit 2). The merged wall time is the slowest
shard's (what the CI waited for); each shard's is kept under ``shards``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["MergeError", "load_run", "merge_runs", "cmd_merge", "register"]


class MergeError(ValueError):
    """The shard reports do not make one run (missing, repeated or mixed shards)."""


def _fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def load_run(directory: Path) -> tuple[Any, dict[str, Any]]:
    """The :class:`harness.parity.run.ParityRun` of ``<directory>/parity.json`` and the file."""
    from .run import ImplResult, ParityRun, ScenarioResult

    path = directory / "parity.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MergeError(f"{path}: not a parity report ({exc})") from None
    scenarios = [ScenarioResult(**{**_fields(ScenarioResult, s), "results": [
        ImplResult(**_fields(ImplResult, r)) for r in s["results"]]}) for s in data["scenarios"]]
    return ParityRun(scenarios, float(data.get("wall_time_s", 0.0))), data


def merge_runs(directories: Sequence[Path]) -> tuple[Any, dict[str, Any]]:
    """The merged run and its report extras (selection, shards)."""
    from .run import ParityRun

    loaded = [(d, *load_run(d)) for d in directories]
    shards: dict[int, tuple[Path, dict[str, Any], dict[str, Any]]] = {}
    for directory, _, data in loaded:
        shard = (data.get("selection") or {}).get("shard")
        if not shard:
            raise MergeError(f"{directory}/parity.json is not a shard report (run "
                             "`python -m harness parity --shard K/N`)")
        if shard["index"] in shards:
            raise MergeError(f"shard {shard['index']}/{shard['total']} given twice "
                             f"({shards[shard['index']][0]} and {directory})")
        shards[shard["index"]] = (directory, shard, data)
    totals = {s["total"] for _, s, _ in shards.values()}
    if len(totals) != 1 or set(shards) != set(range(1, next(iter(totals)) + 1)):
        raise MergeError(f"shards {sorted(shards)} of {sorted(totals)} do not make a whole "
                         f"run: every shard 1..N of one N is needed")
    seen: dict[str, Path] = {}
    scenarios = []
    for directory, run, _ in loaded:
        for scenario in run.scenarios:
            if scenario.scenario in seen:
                raise MergeError(f"scenario {scenario.scenario} is in {seen[scenario.scenario]}"
                                 f" and {directory}")
            seen[scenario.scenario] = directory
            scenarios.append(scenario)
    scenarios.sort(key=lambda s: f"{s.scenario}.yaml")
    merged = ParityRun(scenarios, max(run.wall_time for _, run, _ in loaded))
    first = loaded[0][2]
    extra = {"selection": first["selection"]["unsharded"],
             "shards": [{"index": i, "total": s["total"], "scenarios": len(s["scenarios"]),
                         "wall_time_s": d.get("wall_time_s")}
                        for i, (_, s, d) in sorted(shards.items())]}
    return merged, extra


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge shard reports and write the combined reports and dashboard."""
    from ..report import write_reports
    from ..report.dashboard import write_dashboard
    from ..report.locations import display_path

    run, extra = merge_runs([Path(d) for d in args.directories])
    out = Path(args.reports)
    paths = write_reports(run, out, extra)
    paths.append(write_dashboard(out))
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(run.counts().items()))
    print(f"merged {len(args.directories)} shard(s): {len(run.scenarios)} scenarios; {counts}")
    print("reports: " + ", ".join(display_path(p) for p in paths))
    return 1 if run.failed else 0


def register(sub: Any, *, reports: str) -> None:
    """Add ``merge`` to the harness CLI."""
    parser = sub.add_parser("merge", help="combine shard reports into one")
    parser.add_argument("directories", nargs="+", help="report directories of the shards")
    parser.add_argument("--reports", default=reports, help="where the merged reports go")
    parser.set_defaults(func=cmd_merge)
