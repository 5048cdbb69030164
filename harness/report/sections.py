"""The dashboard's sections other than the perf table and the history charts: the
summary strip, the failures (first), the parity matrix with its legend, the mutant
self-test and the reliability figures. Each takes the loaded report (or None) and
returns HTML; a missing report gives a short notice."""

from __future__ import annotations

from html import escape
from typing import Any

from .markdown import LEGEND
from .selection import describe

__all__ = ["STATUS_CLASS", "badge", "summary_section", "failures_section", "parity_section",
           "mutants_section", "reliability_section", "parity_verdict"]

STATUS_CLASS = {"PASS": "pass", "REFERENCE": "ref", "EXPECTED-DIFF": "diff", "FAIL": "fail",
                "KNOWN-GAP": "diff", "ERROR": "fail", "SKIPPED": "skip", "PARTIAL": "diff",
                "NOT RUN": "skip"}


def badge(status: str) -> str:
    """A coloured verdict label."""
    return f'<span class="badge {STATUS_CLASS.get(status, "")}">{escape(status)}</span>'


def parity_verdict(parity: dict[str, Any] | None) -> str:
    """FAIL, PASS, PARTIAL (a filtered run without failures: not a verdict on the
    suite) or NOT RUN."""
    if not parity:
        return "NOT RUN"
    if parity.get("failed"):
        return "FAIL"
    return "PARTIAL" if (parity.get("selection") or {}).get("filtered") else "PASS"


def _scope(parity: dict[str, Any]) -> str:
    return describe(parity.get("selection"), len(parity.get("scenarios", [])))


def summary_section(parity: dict[str, Any] | None, perf: dict[str, Any] | None,
                    mutants: dict[str, Any] | None, reliability: dict[str, Any] | None) -> str:
    """One line per report: its verdict and the figure that matters."""
    items = []
    if parity:
        counts = ", ".join(f"{escape(k)} {v}" for k, v in sorted(parity.get("summary",
                                                                        {}).items()))
        note = (" — a filtered run, not a verdict on the whole suite"
                if parity_verdict(parity) == "PARTIAL" else "")
        items.append(f"<li>Parity {badge(parity_verdict(parity))} "
                     f"{escape(_scope(parity))}{note} ({counts})</li>")
    else:
        items.append(f"<li>Parity {badge('NOT RUN')} — run <code>make parity</code></li>")
    if perf:
        failing = [p["name"] for p in perf.get("pairs", []) if p.get("status") in
                   ("FAIL", "ERROR")]
        statuses: dict[str, int] = {}
        for pair in perf.get("pairs", []):
            statuses[pair.get("status", "?")] = statuses.get(pair.get("status", "?"), 0) + 1
        items.append(f"<li>Performance gate {badge('FAIL' if perf.get('failed') else 'PASS')}"
                     f" {len(perf.get('pairs', []))} pairs ("
                     + ", ".join(f"{escape(k)} {v}" for k, v in sorted(statuses.items())) + ")"
                     + (f", failing: {escape(', '.join(failing))}" if failing else "") + "</li>")
    else:
        items.append(f"<li>Performance gate {badge('NOT RUN')} — run <code>make parity</code>"
                     "</li>")
    if mutants:
        whole = mutants.get("detected") == mutants.get("total")
        items.append(f"<li>Harness self-test {badge('PASS' if whole else 'FAIL')} "
                     f"{mutants.get('detected')} of {mutants.get('total')} deliberate "
                     "deviations detected</li>")
    else:
        items.append(f"<li>Harness self-test {badge('NOT RUN')} — run <code>make test</code>"
                     "</li>")
    if reliability:
        passed = (reliability.get("tests") or {}).get("passed")
        items.append(f"<li>Reliability suite: {passed} tests passed in "
                     f"{reliability.get('seconds')} s on {reliability.get('cpus')} CPUs</li>")
    else:
        items.append(f"<li>Reliability suite {badge('NOT RUN')} — run <code>make test</code>"
                     "</li>")
    return f'<ul class="summary" id="summary">{"".join(items)}</ul>'


def _detail(result: dict[str, Any]) -> list[str]:
    return [*result.get("problems", []),
            *(f"{k}: {v}" for k, v in (result.get("diffs") or {}).items())]


def failures_section(parity: dict[str, Any] | None, perf: dict[str, Any] | None) -> str:
    """Every FAIL of the parity run and the perf gate, with what differed."""
    rows = []
    for scenario in (parity or {}).get("scenarios", []):
        for result in scenario.get("results", []):
            if result.get("status") == "FAIL":
                details = "".join(f"<li>{escape(d)}</li>" for d in _detail(result))
                rows.append(f'<tr><td>parity</td><td>{escape(scenario["scenario"])}</td>'
                            f'<td>{escape(result["implementation"])}</td>'
                            f'<td><ul class="details">{details}</ul></td></tr>')
    for pair in (perf or {}).get("pairs", []):
        if pair.get("status") in ("FAIL", "ERROR"):
            ratio = pair.get("estimate", pair.get("ratio"))
            interval = (f" [{pair['low']:.3f}–{pair['high']:.3f}]"
                        if pair.get("low") is not None and pair.get("high") is not None else "")
            text = (f"ratio {ratio:.3f}{interval} above its limit {pair.get('limit'):g}"
                    if ratio is not None else "") + (
                f"; {pair['detail']}" if pair.get("detail") else "")
            rows.append(f'<tr><td>perf gate</td><td>{escape(pair["name"])}</td>'
                        f'<td>{escape(str(pair.get("candidate", "")))}</td>'
                        f'<td>{escape(text)}</td></tr>')
    if not rows:
        scope = (f" (a filtered run: {escape(_scope(parity))})"
                 if parity_verdict(parity) == "PARTIAL" and parity else "")
        return f'<p class="notice">No failures in these reports{scope}.</p>'
    return ('<table id="failures-table"><tr><th>where</th><th>scenario / pair</th>'
            "<th>implementation</th><th>what differed</th></tr>" + "".join(rows) + "</table>")


def parity_section(parity: dict[str, Any] | None) -> str:
    """The scenario × implementation matrix (failing scenarios first) and its legend."""
    if not parity:
        return '<p class="notice">No parity report yet: run <code>make parity</code>.</p>'
    scenarios = sorted(parity.get("scenarios", []),
                       key=lambda s: not any(r.get("status") == "FAIL"
                                             for r in s.get("results", [])))
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
            if result is None:        # n/a: no legacy pattern carries a recorded-only scenario
                label = "n/a" if scenario.get("reference") == "recorded" else "—"
                tds.append(f'<td class="skip">{label}</td>')
                continue
            status = result["status"]
            cited = f' <small>({escape(", ".join(result["cited"]))})</small>' \
                if result.get("cited") else ""
            tds.append(f'<td class="{STATUS_CLASS.get(status, "")}" '
                       f'title="{escape("; ".join(_detail(result)))}">'
                       f'{escape(status)}{cited}</td>')
        rows.append(f'<tr><td title="{escape(scenario.get("description", ""))}">'
                    f'{escape(scenario["scenario"])}</td><td>{escape(scenario["pattern"])}</td>'
                    f'<td>{escape(scenario["backend"])}</td>{"".join(tds)}</tr>')
    return (f'<p>{badge(parity_verdict(parity))} {escape(_scope(parity))} at '
            f'<code>{escape(str(parity.get("commit", ""))[:10])}</code>, '
            f'{escape(str(parity.get("generated_at", "")))}.</p>'
            f'<table id="parity-matrix">{head}{"".join(rows)}</table>'
            f'<p class="meta legend">{escape(LEGEND)}</p>')


def mutants_section(mutants: dict[str, Any] | None) -> str:
    """The harness self-test: each deliberate deviation and whether parity caught it."""
    if not mutants:
        return ('<p class="notice">No self-test report yet: <code>make test</code> runs '
                "<code>suites/harness/parity/test_mutants.py</code>.</p>")
    rows = "".join(
        f'<tr><td>{escape(m["name"])}</td><td>{escape(m.get("description", ""))}</td>'
        f'<td>{escape(", ".join(m.get("expected", [])))}</td>'
        f'<td class="{"pass" if m.get("detected") else "fail"}">'
        f'{"caught" if m.get("detected") else "MISSED"}</td></tr>'
        for m in mutants.get("mutants", []))
    rate = mutants.get("detection_rate")
    return (f'<p>{mutants.get("detected")} of {mutants.get("total")} deliberate deviations '
            f'detected{f" ({rate:.0%})" if isinstance(rate, (int, float)) else ""}: each '
            "is injected into the unified code and parity must FAIL on the scenarios it "
            'names.</p><table id="mutants"><tr><th>mutant</th><th>deviation</th>'
            f"<th>must fail</th><th>result</th></tr>{rows}</table>")


def _figure(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_figure(v)}" for k, v in value.items()
                         if not isinstance(v, dict))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def reliability_section(reliability: dict[str, Any] | None) -> str:
    """The reliability suite's figures, one row per area (per-case tables left out)."""
    if not reliability:
        return ('<p class="notice">No reliability report yet: a full <code>make test</code> '
                "writes it.</p>")
    rows = []
    for area, value in reliability.items():
        if not isinstance(value, dict):
            continue
        text = _figure({k: v for k, v in value.items() if k != "per_backend"})
        nested = "; ".join(f"{k}: {_figure(v)}" for k, v in value.items()
                           if isinstance(v, dict) and k != "per_backend")
        rows.append(f"<tr><th>{escape(area.replace('_', ' '))}</th>"
                    f"<td>{escape('; '.join(t for t in (text, nested) if t))}</td></tr>")
    return (f'<p>{escape(str(reliability.get("suite", "")))} on '
            f'{escape(str(reliability.get("cpus")))} CPUs, Python '
            f'{escape(str(reliability.get("python")))}, {reliability.get("seconds")} s.</p>'
            f'<table id="reliability">{"".join(rows)}</table>')
