"""The dashboard's perf section: the gate table (interval next to the limit) and the
self-test's detection table, from ``reports/perf.json``.

Kept apart from the page layout (:mod:`harness.report.dashboard`) so either can change
without the other. Every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .svg import ratio_bar

__all__ = ["perf_section", "selftest_section", "STATUS_CLASS"]

STATUS_CLASS = {"PASS": "pass", "FAIL": "fail", "ERROR": "fail", "INCONCLUSIVE": "diff"}


def _cost(cost: dict[str, Any]) -> str:
    if not cost:
        return "—"
    if "estimate" in cost:
        waits = cost.get("waits_per_call") or 0
        extra = f" <small>({waits:.2f} waits)</small>" if waits else ""
        return f"{cost['estimate']:,.0f} instr{extra}"
    median = cost["median_s"]
    return (f"{median * 1e3:,.1f} ms" if median >= 0.1 else f"{median * 1e6:,.0f} µs")


def _interval(row: dict[str, Any]) -> str:
    if row.get("estimate") is None:
        return "—"
    text = f'{row["estimate"]:.3f} <small>[{row["low"]:.3f}–{row["high"]:.3f}]</small>'
    timed = row.get("timed")
    if timed:  # the wall side of a pair judged by both instruments
        text += f'<br><small>wall {_interval(timed)} {escape(timed["status"])}</small>'
    return text


def _status(status: str) -> str:
    return f'<td class="{STATUS_CLASS.get(status, "")}">{escape(status)}</td>'


def _pair_row(pair: dict[str, Any]) -> str:
    ref = pair.get("reference")
    ref_text = (f'{ref["ratio"]:.3f} vs {escape(ref["subject"])}' if ref else "")
    failed = pair["status"] != "PASS"
    return (f'<tr data-pair="{escape(pair["name"])}"><td>{escape(pair["name"])}</td>'
            f'<td>{escape(pair.get("instrument", ""))}</td>'
            f'<td>{escape(pair["candidate"])}</td><td class="num">'
            f'{_cost(pair.get("candidate_cost", {}))}</td><td>{escape(pair["baseline"])}</td>'
            f'<td class="num">{_cost(pair.get("baseline_cost", {}))}</td>'
            f'<td class="num">{_interval(pair)}</td><td class="num">{pair["limit"]:.3f}</td>'
            f'<td>{ratio_bar(pair.get("estimate"), pair.get("low"), pair.get("high"), pair["limit"], failed=failed)}'
            f'</td>{_status(pair["status"])}<td class="num">{ref_text}</td></tr>')


def selftest_section(selftest: dict[str, Any] | None) -> str:
    """The detection table of the injected slowdowns (or a notice)."""
    if not selftest:
        return ('<p class="notice">No self-test in this report: run <code>make perf</code> '
                '(<code>python -m harness perf --self-test</code>).</p>')
    rows = "".join(
        f'<tr data-mutant="{escape(r["pair"])} {escape(r["mutant"])}"><td>{escape(r["pair"])}'
        f'</td><td>{escape(r["mutant"])}</td><td>{escape(r["instrument"])}</td>'
        f'<td class="num">{_interval(r)}</td><td class="num">{r["limit"]:.3f}</td>'
        f'{_status(r["status"])}<td>{"yes" if r["detected"] else "<b>no</b>"}</td></tr>'
        for r in selftest.get("rows", []))
    return (f'<p>Detected {selftest.get("detected")} of {selftest.get("total")} injected '
            f'slowdowns (the mutated candidate against the clean one, same run, limit '
            f'{selftest.get("regression_limit", 0):.3f}).</p><table id="perf-selftest"><tr>'
            "<th>pair</th><th>mutant</th><th>instrument</th><th>ratio [interval]</th>"
            f"<th>limit</th><th>verdict</th><th>detected</th></tr>{rows}</table>")


def perf_section(perf: dict[str, Any] | None) -> str:
    """The perf-gate table: per pair the instrument, both sides' cost, the ratio with its
    interval next to the limit, the verdict; then the self-test's table."""
    if not perf:
        return '<p class="notice">No perf gate report yet: run <code>make perf</code>.</p>'
    inst, machine, cfg = perf.get("instrument", {}), perf.get("machine", {}), perf.get("config", {})
    head = ("<tr><th>pair</th><th>instrument</th><th>candidate</th><th>per call</th>"
            "<th>baseline</th><th>per call</th><th>ratio [interval]</th><th>limit</th>"
            "<th>interval vs limit</th><th>verdict</th>"
            "<th>forward-route reference (not gated)</th></tr>")
    verdict = "FAIL" if perf.get("failed") else "PASS"
    return (f'<p>Gate <span class="badge {STATUS_CLASS.get(verdict, "")}">{verdict}</span> '
            f'at <code>{escape(str(perf.get("commit", ""))[:10])}</code>, '
            f'{escape(str(perf.get("generated_at", "")))}; instructions counted by '
            f'<b>{escape(str(inst.get("name", "—")))}</b> ({escape(str(inst.get("reason", "")))})'
            f', {cfg.get("calls")} calls per job; load {escape(str(machine.get("loadavg")))} on '
            f'{machine.get("cpu_count")} CPUs.</p><table id="perf-gate">{head}'
            + "".join(_pair_row(p) for p in perf.get("pairs", [])) + "</table>"
            '<p class="meta">PASS = the whole interval within the limit; FAIL = the whole '
            "interval above it; INCONCLUSIVE = straddling after extra rounds (fails the gate "
            "unless --perf-inconclusive=warn).</p><h3>Self-test</h3>"
            + selftest_section(perf.get("selftest")))
