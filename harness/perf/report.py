"""The perf gate's reports: ``perf.json``, ``perf.md``, ``perf-history.jsonl``.

Per pair: the instrument, the estimate, its interval, the limit and the verdict — the
interval printed next to the limit, so a reader sees why a pair PASSed (whole interval
within), FAILed (whole interval above) or is INCONCLUSIVE (straddling). The self-test's
detection table (:mod:`harness.perf.selftest`) is added when it ran.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .measure import GateResult, PairResult
from .subjects import dump_json

__all__ = ["fmt_ratio", "fmt_ratios", "gate_rows", "markdown_table", "gate_markdown", "selftest_markdown",
           "write_gate_reports", "fmt_cost"]


def fmt_ratio(pair: PairResult | dict[str, Any]) -> str:
    """``estimate [low–high]`` (or ``—``)."""
    get = pair.get if isinstance(pair, dict) else lambda k: getattr(pair, k)
    if get("estimate") is None:
        return "—"
    return f"{get('estimate'):.3f} [{get('low'):.3f}–{get('high'):.3f}]"


def fmt_cost(cost: dict[str, Any], instrument: str) -> str:
    """One side's cost per call: instructions, or the median seconds."""
    if not cost:
        return "—"
    if "estimate" in cost:
        return f"{cost['estimate']:,.0f} instr"
    median = cost["median_s"]
    return f"{median * 1e3:,.1f} ms" if median >= 0.1 else f"{median * 1e6:,.0f} µs"


def fmt_ratios(pair: PairResult | dict[str, Any]) -> str:
    """:func:`fmt_ratio`, and the wall side's for a pair also timed (its ``timed``)."""
    timed = pair.get("timed") if isinstance(pair, dict) else pair.timed
    if not timed:
        return fmt_ratio(pair)
    return f"{fmt_ratio(pair)}; wall {fmt_ratio(timed)} {timed['status']}"


def gate_rows(result: GateResult) -> list[dict[str, str]]:
    """One table row per pair (for Markdown and the console)."""
    rows = []
    for p in result.pairs:
        ref = p.reference
        rows.append({"pair": p.name, "instrument": p.instrument,
                     "candidate": fmt_cost(p.candidate_cost, p.instrument),
                     "baseline": fmt_cost(p.baseline_cost, p.instrument),
                     "ratio [interval]": fmt_ratios(p), "limit": f"{p.limit:.3f}",
                     "verdict": p.status,
                     "forward-route reference (not gated)":
                         f"{ref['ratio']:.3f} vs {ref['subject']}" if ref else ""})
    return rows


def markdown_table(rows: Sequence[dict[str, str]]) -> str:
    """A GitHub-flavoured Markdown table of ``rows`` (keys of the first row as header)."""
    if not rows:
        return "(no rows)"
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r.get(h, "")).replace("|", "\\|") for h in header) + " |"
              for r in rows]
    return "\n".join(lines)


def selftest_markdown(selftest: dict[str, Any]) -> str:
    """The detection table as Markdown."""
    rows = [{"pair": r["pair"], "mutant": r["mutant"], "instrument": r["instrument"],
             "ratio [interval]": fmt_ratios(r), "limit": f"{r['limit']:.3f}",
             "verdict": r["status"], "detected": "yes" if r["detected"] else "**no**"}
            for r in selftest.get("rows", [])]
    return (markdown_table(rows) + f"\n\nDetected {selftest.get('detected')} of "
            f"{selftest.get('total')} injected slowdowns (mutated candidate vs the clean "
            f"one, same run, limit {selftest.get('regression_limit', 0):.3f}).")


def gate_markdown(result: GateResult, selftest: dict[str, Any] | None = None) -> str:
    """The perf section of the Markdown report: the table, how to read it, failures,
    and the self-test's detection table when given."""
    cfg, inst = result.config, result.instrument
    lines = [markdown_table(gate_rows(result)), "",
             f"Instructions: counted by {inst.get('name', '—')} ({inst.get('reason', '')}); "
             f"per call = (a job of {cfg.calls} calls − a job of 0 calls) / {cfg.calls}, "
             f"each job a fresh process (PYTHONHASHSEED=0, {cfg.warmup_calls} warm-up "
             f"calls), {cfg.count_repeats}+ jobs per side; interval = extreme jobs widened "
             f"by their spread, at least ±{cfg.count_floor:.1%} (what counts vary between "
             f"gate runs). Wall: median of interleaved per-round ratios with its "
             f"{cfg.confidence:.0%} distribution-free interval. PASS = whole interval ≤ "
             f"limit; FAIL = whole interval above; INCONCLUSIVE = straddling after extra "
             f"rounds ({cfg.budget_seconds:.0f} s budget; fails the gate unless "
             f"--perf-inconclusive=warn). {result.wall_time:.1f} s; load "
             f"{result.machine.get('loadavg')} → {result.machine.get('loadavg_after')} on "
             f"{result.machine.get('cpu_count')} CPUs."]
    for pair in result.pairs:
        if pair.status != "PASS":
            lines.append(f"- **{pair.name}** {pair.status}: {pair.detail}")
    if selftest:
        lines += ["", "### Self-test: injected slowdowns", "", selftest_markdown(selftest)]
    return "\n".join(lines)


def write_gate_reports(result: GateResult, directory: Path,
                       selftest: dict[str, Any] | None = None) -> list[Path]:
    """``perf.json`` (with the self-test under ``selftest``), ``perf.md`` and one line
    appended to ``perf-history.jsonl``."""
    directory.mkdir(parents=True, exist_ok=True)
    payload = result.to_dict()
    if selftest:
        payload["selftest"] = selftest
    md = directory / "perf.md"
    md.write_text("# Performance gate\n\n" + gate_markdown(result, selftest) + "\n",
                  encoding="utf-8")
    history = directory / "perf-history.jsonl"
    line = {"generated_at": payload["generated_at"], "commit": payload["commit"],
            "failed": payload["failed"],
            "pairs": {p["name"]: {k: p[k] for k in ("instrument", "estimate", "low", "high",
                                                    "limit", "status")}
                      for p in payload["pairs"]}}
    with history.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, default=str) + "\n")
    return [dump_json(directory / "perf.json", payload), md, history]
