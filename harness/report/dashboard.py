"""``reports/latest/dashboard/index.html``: one static, self-contained page (no script, no
network), in the order a team reads it:

1. at a glance: each report's verdict (a filtered parity run is PARTIAL, with its
   filter, never a plain PASS);
2. failures first: every parity FAIL and perf-gate FAIL with what differed;
3. the parity matrix (failing scenarios on top) with its legend;
4. the latest perf gate (``perf.json``, :mod:`harness.report.perf_section`): per
   pair the instrument, the estimate with its interval next to the limit, the verdict,
   and the self-test's detection table;
5. the harness self-test (``mutants.json``) and the reliability figures
   (``reliability.json``);
6. history (:mod:`harness.report.history`): the perf-gate ratios as small multiples,
   one chart per pair, and one chart per benchmark group.

``python -m harness dashboard`` (``make dashboard``) draws it from ``reports/latest/``
with the committed histories plus the local runs; ``python -m harness publish`` draws
the committed one. Missing inputs give a short notice in their section, never an error;
no absolute path of the machine appears on the page.
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

__all__ = ["render_dashboard", "write_dashboard", "cmd_dashboard", "register", "origin_counts",
           "origin_section", "IMPORTED_PREFIX"]

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
h3{font-size:15px;margin:18px 0 4px}ul.summary{list-style:none;padding:0;margin:6px 0}
ul.summary li{margin:3px 0}ul.details{margin:0;padding-left:16px}.legend{max-width:80em}
.badge.diff{color:#8a6100}.badge.skip{color:#777}
"""


def _load_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _load_lines(path: Path) -> list[dict[str, Any]]:
    from ..perf.bench import load_history

    return load_history(path)


def _badge(status: str) -> str:
    return f'<span class="badge {_STATUS_CLASS.get(status, "")}">{escape(status)}</span>'


#: Scenario ids the importer writes (``python -m harness import``) start with this.
IMPORTED_PREFIX = "imported-"
_ORIGIN_STATUSES = ("PASS", "EXPECTED-DIFF", "FAIL")


def origin_counts(parity: dict[str, Any]) -> dict[str, dict[str, dict[str, int]]]:
    """implementation -> origin (``hand-written`` / ``imported``) -> status -> count."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for scenario in parity.get("scenarios", []):
        origin = ("imported" if str(scenario.get("scenario", "")).startswith(IMPORTED_PREFIX)
                  else "hand-written")
        for result in scenario.get("results", []):
            cell = counts.setdefault(result["implementation"], {}).setdefault(
                origin, dict.fromkeys(_ORIGIN_STATUSES, 0))
            if result["status"] in cell:
                cell[result["status"]] += 1
    return counts


def origin_section(parity: dict[str, Any] | None) -> str:
    """Per implementation: PASS / EXPECTED-DIFF / FAIL counts on the hand-written and,
    separately, on the imported (production traffic) scenarios."""
    if not parity:
        return '<p class="notice">No parity report yet: run <code>make parity</code>.</p>'
    counts = origin_counts(parity)
    origins = ("hand-written", "imported")
    head = ("<tr><th rowspan=\"2\">implementation</th>"
            + "".join(f'<th colspan="3">{o}</th>' for o in origins) + "</tr><tr>"
            + "".join(f"<th>{escape(s)}</th>" for _ in origins for s in _ORIGIN_STATUSES)
            + "</tr>")
    rows = []
    for name in sorted(counts):
        cells = []
        for origin in origins:
            cell = counts[name].get(origin)
            for status in _ORIGIN_STATUSES:
                value = "—" if cell is None else str(cell[status])
                css = _STATUS_CLASS[status] if cell and cell[status] else ""
                cells.append(f'<td class="num {css}">{value}</td>')
        rows.append(f'<tr data-impl="{escape(name)}"><td>{escape(name)}</td>{"".join(cells)}'
                    "</tr>")
    return (f'<table id="origins">{head}{"".join(rows)}</table><p class="meta">Imported = '
            f"scenarios made from captured production calls (ids <code>{IMPORTED_PREFIX}"
            "…</code>, <code>python -m harness import</code>); — = the implementation "
            "ran no scenario of that origin (an imported scenario has no legacy "
            "reference).</p>")


def render_dashboard(reports: Path, history_from: Sequence[Path] = ()) -> str:
    """The whole page for the reports under ``reports``; the histories are those of
    ``history_from`` (e.g. the committed ``reports/``) followed by those of ``reports``."""
    from .history import bench_charts, gate_charts, merged_history
    from .locations import display_path
    from .peer_section import peer_section
    from .sections import (
        failures_section,
        mutants_section,
        parity_section,
        reliability_section,
        summary_section,
    )

    perf = _load_json(reports / "perf.json")
    parity = _load_json(reports / "parity.json")
    mutants = _load_json(reports / "mutants.json")
    reliability = _load_json(reports / "reliability.json")
    sources = [*history_from, reports]
    gates = gate_charts(merged_history(d / "perf-history.jsonl" for d in sources))
    bench_history = merged_history(d / "bench" / "history.jsonl" for d in sources)
    benches = bench_charts(bench_history)
    gate_html = ('<div class="charts">' + "".join(gates) + "</div>" if gates else
                 '<p class="notice">No perf-gate history yet: run <code>make parity</code>.</p>')
    bench_html = ('<div class="charts">' + "".join(benches) + "</div>" if benches else
                  '<p class="notice">No benchmark history yet: run <code>make bench</code>.</p>')
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    where = ", ".join(dict.fromkeys(display_path(d) for d in sources))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>unified-dspy dashboard</title><style>{_CSS}</style></head><body>"
            f"<h1>unified-dspy: parity and performance</h1><p class=\"meta\">Generated "
            f"{stamp} from <code>{escape(where)}</code> — runs write "
            "<code>reports/latest/</code>; <code>make publish</code> makes a run the "
            "committed record.</p>"
            f"<h2 id=\"glance\">At a glance</h2>"
            f"{summary_section(parity, perf, mutants, reliability)}"
            f"<h2 id=\"failures\">Failures</h2>{failures_section(parity, perf)}"
            f"<h2 id=\"parity\">Parity matrix (latest)</h2>{parity_section(parity)}"
            f"<h2 id=\"origins\">Imported vs hand-written scenarios</h2>"
            f"{origin_section(parity)}"
            f"<h2 id=\"perf\">Performance gate (latest)</h2>{perf_section(perf)}"
            f"<h2 id=\"peer\">Peer row: DSPy's own client vs the wrapper</h2>"
            f"{peer_section(bench_history)}"
            f"<h2 id=\"self-test\">Harness self-test (mutants)</h2>{mutants_section(mutants)}"
            f"<h2 id=\"reliability\">Reliability</h2>{reliability_section(reliability)}"
            f"<h2 id=\"history\">History</h2><p class=\"meta\">One point per commit (its "
            "latest run; * = uncommitted changes; hover a point for the full commit), the "
            "line is the median and the band its IQR.</p>"
            "<h3>Perf-gate ratio per pair</h3><p class=\"meta\">Candidate ÷ baseline per "
            "call (lower is faster); dashed red line = the pair's limit; a red ring marks a "
            "run in which the gate FAILed that pair.</p>"
            f"{gate_html}<h3>Benchmarks per group</h3><p class=\"meta\">Time per call; in "
            "<code>batch</code> the series are worker counts; a red ring marks a benchmark "
            "<code>make bench</code> flagged as slower than the previous commit (Mann-"
            "Whitney U, a hint: runs of different commits are not interleaved).</p>"
            f"{bench_html}</body></html>\n")


def write_dashboard(reports: Path, output: Path | None = None,
                    history_from: Sequence[Path] = ()) -> Path:
    """Write ``index.html`` (default ``<reports>/dashboard/index.html``)."""
    target = output or reports / "dashboard" / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_dashboard(reports, history_from), encoding="utf-8")
    return target


def cmd_dashboard(args: argparse.Namespace) -> int:
    """``python -m harness dashboard``."""
    from .locations import COMMITTED, display_path

    reports = Path(args.reports)
    history = [COMMITTED] if reports.resolve() != COMMITTED.resolve() else []
    path = write_dashboard(reports, Path(args.output) if args.output else None, history)
    print(f"dashboard: {display_path(path)}")
    return 0


def register(sub: Any, *, reports: str) -> None:
    """Add the ``dashboard`` subcommand to the harness CLI."""
    parser = sub.add_parser("dashboard", help="render <reports>/dashboard/index.html")
    parser.add_argument("--reports", default=reports, help="report directory to read")
    parser.add_argument("--output", default=None, help="HTML file to write")
    parser.set_defaults(func=cmd_dashboard)
