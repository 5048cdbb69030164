"""The dashboard's history charts: benchmark groups and perf-gate ratios over commits.

- :func:`bench_charts`: one chart per benchmark group (``reports/bench/history.jsonl``),
  one point per commit (its latest run), median line with an IQR band; a red ring marks
  a benchmark ``make bench`` flagged as slower than the previous commit.
- :func:`gate_charts`: small multiples, one chart per perf-gate pair
  (``perf-history.jsonl``): its ratio with the IQR band on a y axis fitted to the data,
  its limit as a dashed line; a red ring marks a run in which the gate FAILed the pair.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .svg import Point, Series, history_chart

__all__ = ["bench_charts", "gate_charts", "merged_history", "legend_label", "per_commit"]


def merged_history(files: Iterable[Path]) -> list[dict[str, Any]]:
    """The lines of several history files in order, each distinct line once (the
    committed history followed by the local runs not yet published)."""
    from ..perf.bench import load_history

    seen: set[str] = set()
    lines = []
    for path in files:
        for line in load_history(path):
            key = json.dumps(line, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                lines.append(line)
    return lines


def per_commit(history: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest run of each commit, commits in order of first appearance."""
    latest: dict[str, dict[str, Any]] = {}
    for line in history:
        latest[str(line.get("commit"))] = line
    order = list(dict.fromkeys(str(line.get("commit")) for line in history))
    return [latest[c] for c in order]


def legend_label(name: str, group: str = "") -> str:
    """A legend label: the parameter of ``test_x[param]``, else the name sans ``test_``;
    in the ``batch`` group the parameter is a worker count (``4 workers``)."""
    if "[" in name and name.endswith("]"):
        param = name[name.index("[") + 1:-1]
        if group == "batch" and param.isdigit():
            return f"{param} worker{'s' if param != '1' else ''}"
        return param
    return name.removeprefix("test_")


def _commit_labels(runs: Sequence[dict[str, Any]]) -> tuple[list[str], dict[int, str]]:
    labels = [str(r.get("short_commit") or r.get("commit"))[:7] + ("*" if r.get("dirty")
                                                                  else "") for r in runs]
    notes = {i: f"commit {r.get('commit')} {r.get('generated_at', '')}".strip()
             for i, r in enumerate(runs)}
    return labels, notes


def bench_charts(history: Sequence[dict[str, Any]]) -> list[str]:
    """One chart per benchmark group over commits."""
    runs = per_commit(history)
    labels, notes = _commit_labels(runs)
    groups: dict[str, dict[str, Series]] = {}
    for x, run in enumerate(runs):
        for bench in run.get("benchmarks", []):
            group = groups.setdefault(bench["group"], {})
            label = legend_label(bench["short"], bench["group"])
            series = group.setdefault(label, Series(label))
            note = (f"; x{bench['ratio']:.3f} vs {str(bench.get('vs_commit'))[:7]}, "
                    f"p={bench['p_value']:.2g}") if bench.get("ratio") is not None else ""
            series.points.append(Point(x, bench["median"], bench["q1"], bench["q3"],
                                       bool(bench.get("regression")), note))
    return [history_chart(f"benchmark group: {name}", labels, list(series.values()),
                          x_notes=notes, flag_label="flagged slower than the previous commit")
            for name, series in sorted(groups.items())]


def gate_charts(history: Sequence[dict[str, Any]]) -> list[str]:
    """Small multiples: one chart per perf-gate pair, ratio over commits against its
    limit (dashed), a ring where the gate FAILed the pair."""
    runs = per_commit(history)
    labels, notes = _commit_labels(runs)
    pairs: dict[str, tuple[Series, list[float]]] = {}
    for x, run in enumerate(runs):
        for name, pair in (run.get("pairs") or {}).items():
            ratio = pair.get("estimate", pair.get("ratio"))   # older lines: "ratio"
            if ratio is None:
                continue
            low = pair.get("low", pair.get("ratio_q1", ratio))
            high = pair.get("high", pair.get("ratio_q3", ratio))
            series, limits = pairs.setdefault(name, (Series(name), []))
            limit = pair.get("limit")
            if limit is not None:
                limits.append(float(limit))
            series.points.append(Point(
                x, ratio, low, high, pair.get("status") == "FAIL",
                f"; limit {limit:g}" if limit is not None else ""))
    return [history_chart(f"{name}, limit {limits[-1]:g}" if limits else name, labels,
                          [series], unit="ratio", width=320, height=200,
                          reference=limits[-1] if limits else None, x_notes=notes,
                          zero_based=False, legend=False, flag_label="gate FAILed this pair")
            for name, (series, limits) in sorted(pairs.items())]
