"""``reports/dashboard/index.html``: one static, self-contained page (no script, no
network) with

1. the latest perf gate (``reports/perf.json``, :mod:`harness.report.perf_section`):
   per pair the instrument, the ratio with its interval next to the limit, the verdict,
   and the self-test's detection table;
2. the latest parity matrix (``reports/parity.json``): scenario × implementation;
3. the history (``reports/bench/history.jsonl``): one chart per benchmark group, one
   point per commit (its latest run), median line with an IQR band, a red ring where a
   regression was flagged; and the perf-gate ratios over commits
   (``reports/perf-history.jsonl``, each ratio divided by its limit, FAIL ringed).

``python -m harness dashboard`` (``make dashboard``) writes it; missing inputs give a
short notice in their section, never an error.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from .perf_section import perf_section
from .svg import Point, Series, history_chart

__all__ = ["render_dashboard", "write_dashboard", "cmd_dashboard", "register"]

_STATUS_CLASS = {"PASS": "pass", "REFERENCE": "ref", "EXPECTED-DIFF": "diff", "FAIL": "fail",
                 "INCONCLUSIVE": "diff",
                 "ERROR": "fail", "SKIPPED": "skip"}
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px;
color:#222;background:#fafafa}h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;
border-bottom:1px solid #ddd;padding-bottom:4px}.meta{color:#666;font-size:12px}
table{border-collapse:collapse;background:#fff;margin:6px 0}th,td{border:1px solid #ddd;
padding:3px 8px;text-align:left;vertical-align:middle;font-size:13px}th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}.pass{background:#e3f4e1}
.fail{background:#fbdcdc;font-weight:600}.diff{background:#fff2cc}.ref{background:#eceff3}
.skip{color:#999}.badge{display:inline-block;padding:1px 8px;border-radius:9px;font-weight:600}
.badge.pass{color:#1e6b1e}.badge.fail{color:#a11}.charts{display:flex;flex-wrap:wrap;gap:14px}
svg.chart{background:#fff;border:1px solid #ddd}svg .grid{stroke:#eee}
svg .tick,svg .legend{font-size:11px;fill:#555}svg .title{font-size:13px;font-weight:600;fill:#222}
svg .band{fill-opacity:.18;stroke:none}svg .median{fill:none;stroke-width:2}
svg .regression{fill:none;stroke-width:2.5}svg .limit{stroke:#d62728;stroke-dasharray:5 4}
svg .axis{stroke:#bbb}svg .frame{fill:none;stroke:#ddd}svg .limit-mark{stroke:#d62728;stroke-width:2}.notice{color:#777}
"""


def _load_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _load_lines(path: Path) -> list[dict[str, Any]]:
    from ..bench import load_history

    return load_history(path)


def _badge(status: str) -> str:
    return f'<span class="badge {_STATUS_CLASS.get(status, "")}">{escape(status)}</span>'


def parity_section(parity: dict[str, Any] | None) -> str:
    """The scenario × implementation matrix with a verdict per cell."""
    if not parity:
        return '<p class="notice">No parity report yet: run <code>make parity</code>.</p>'
    scenarios = parity.get("scenarios", [])
    kinds: list[str] = []
    for scenario in scenarios:
        for result in scenario.get("results", []):
            kind = result["implementation"].split(":")[0]
            if kind not in kinds:
                kinds.append(kind)
    head = "<tr><th>scenario</th><th>pattern</th><th>backend</th>" + "".join(
        f"<th>{escape(k)}</th>" for k in kinds) + "</tr>"
    rows = []
    for scenario in scenarios:
        cells = {r["implementation"].split(":")[0]: r for r in scenario.get("results", [])}
        tds = []
        for kind in kinds:
            result = cells.get(kind)
            if result is None:
                tds.append('<td class="skip">—</td>')
                continue
            status = result["status"]
            cited = f' <small>({escape(", ".join(result["cited"]))})</small>' \
                if result.get("cited") else ""
            detail = "; ".join([*result.get("problems", []),
                                *(f"{k}: {v}" for k, v in result.get("diffs", {}).items())])
            tds.append(f'<td class="{_STATUS_CLASS.get(status, "")}" title="{escape(detail)}">'
                       f'{escape(status)}{cited}</td>')
        rows.append(f'<tr><td title="{escape(scenario.get("description", ""))}">'
                    f'{escape(scenario["scenario"])}</td><td>{escape(scenario["pattern"])}</td>'
                    f'<td>{escape(scenario["backend"])}</td>{"".join(tds)}</tr>')
    counts = ", ".join(f"{escape(k)}: {v}" for k, v in sorted(parity.get("summary", {}).items()))
    verdict = "FAIL" if parity.get("failed") else "PASS"
    return (f'<p>Parity {_badge(verdict)} — {len(scenarios)} scenarios ({counts}) at '
            f'<code>{escape(str(parity.get("commit", ""))[:10])}</code>, '
            f'{escape(str(parity.get("generated_at", "")))}.</p>'
            f'<table id="parity-matrix">{head}{"".join(rows)}</table>')


def _per_commit(history: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest run of each commit, commits in order of first appearance."""
    latest: dict[str, dict[str, Any]] = {}
    for line in history:
        latest[str(line.get("commit"))] = line
    order = list(dict.fromkeys(str(line.get("commit")) for line in history))
    return [latest[c] for c in order]


def _label(name: str) -> str:
    """A legend label: the parameter of ``test_x[param]``, else the name sans ``test_``."""
    if "[" in name and name.endswith("]"):
        return name[name.index("[") + 1:-1]
    return name.removeprefix("test_")


def bench_charts(history: Sequence[dict[str, Any]]) -> list[str]:
    """One chart per benchmark group over commits."""
    runs = _per_commit(history)
    labels = [str(r.get("short_commit") or str(r.get("commit"))[:10])[:8] +
              ("*" if r.get("dirty") else "") for r in runs]
    notes = {i: f"{r.get('commit')} {r.get('generated_at', '')}" for i, r in enumerate(runs)}
    groups: dict[str, dict[str, Series]] = {}
    for x, run in enumerate(runs):
        for bench in run.get("benchmarks", []):
            group = groups.setdefault(bench["group"], {})
            label = _label(bench["short"])
            series = group.setdefault(label, Series(label))
            note = (f"; x{bench['ratio']:.3f} vs {str(bench.get('vs_commit'))[:8]}, "
                    f"p={bench['p_value']:.2g}") if bench.get("ratio") is not None else ""
            series.points.append(Point(x, bench["median"], bench["q1"], bench["q3"],
                                       bool(bench.get("regression")), note))
    return [history_chart(f"benchmark group: {name}", labels, list(series.values()),
                          x_notes=notes) for name, series in sorted(groups.items())]


def gate_chart(history: Sequence[dict[str, Any]]) -> str:
    """The perf-gate ratios over commits, each divided by its limit (1 = at the limit)."""
    runs = _per_commit(history)
    labels = [str(r.get("commit"))[:8] for r in runs]
    lines: dict[str, Series] = {}
    for x, run in enumerate(runs):
        for name, pair in run.get("pairs", {}).items():
            ratio = pair.get("estimate", pair.get("ratio"))
            if ratio is None:
                continue
            limit = pair["limit"]
            low, high = pair.get("low", pair.get("ratio_q1")), pair.get("high", pair.get("ratio_q3"))
            lines.setdefault(name, Series(name)).points.append(Point(
                x, ratio / limit, low / limit, high / limit,
                pair.get("status") == "FAIL", f"; ratio {ratio:.3f}, limit {limit:g}"))
    return history_chart("perf gate ratios, dashed line = limit", labels,
                         list(lines.values()), unit="ratio ÷ limit", reference=1.0)


def render_dashboard(reports: Path) -> str:
    """The whole page for the reports under ``reports``."""
    perf = _load_json(reports / "perf.json")
    parity = _load_json(reports / "parity.json")
    history = _load_lines(reports / "bench" / "history.jsonl")
    gate_history = _load_lines(reports / "perf-history.jsonl")
    charts = bench_charts(history)
    if gate_history:
        charts.insert(0, gate_chart(gate_history))
    chart_html = ('<div class="charts">' + "".join(charts) + "</div>" if charts else
                  '<p class="notice">No benchmark history yet: run <code>make bench</code>.</p>')
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>unified-dspy dashboard</title><style>{_CSS}</style></head><body>"
            f"<h1>unified-dspy: parity and performance</h1><p class=\"meta\">Generated "
            f"{stamp} from <code>{escape(str(reports))}</code> — <code>make bench</code> adds "
            "history, <code>make parity</code> refreshes the gate and the matrix, "
            "<code>make dashboard</code> redraws this page.</p>"
            f"<h2 id=\"perf\">Performance gate (latest)</h2>{perf_section(perf)}"
            f"<h2 id=\"parity\">Parity matrix (latest)</h2>{parity_section(parity)}"
            f"<h2 id=\"history\">History</h2><p class=\"meta\">One point per commit (its "
            "latest run; * = uncommitted changes), median with its IQR band; a red ring "
            "marks a regression flagged against the previous commit.</p>"
            f"{chart_html}</body></html>\n")


def write_dashboard(reports: Path, output: Path | None = None) -> Path:
    """Write ``index.html`` (default ``reports/dashboard/index.html``)."""
    target = output or reports / "dashboard" / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_dashboard(reports), encoding="utf-8")
    return target


def cmd_dashboard(args: argparse.Namespace) -> int:
    """``python -m harness dashboard``."""
    path = write_dashboard(Path(args.reports), Path(args.output) if args.output else None)
    print(f"dashboard: {path}")
    return 0


def register(sub: Any, *, reports: str) -> None:
    """Add the ``dashboard`` subcommand to the harness CLI."""
    parser = sub.add_parser("dashboard", help="render reports/dashboard/index.html")
    parser.add_argument("--reports", default=reports, help="report directory to read")
    parser.add_argument("--output", default=None, help="HTML file to write")
    parser.set_defaults(func=cmd_dashboard)
