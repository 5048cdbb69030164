"""``parity.md``: the scenario × implementation matrix, then a field-level diff per failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["matrix_rows", "write_markdown", "render_markdown"]

_IMPL_ORDER = ("legacy", "compat", "unified")


def matrix_rows(run: Any) -> list[dict[str, str]]:
    """One row per scenario: its id, pattern, backend and a verdict per implementation kind."""
    rows = []
    for scenario in run.scenarios:
        row = {"scenario": scenario.scenario, "pattern": scenario.pattern,
               "backend": scenario.backend}
        for kind in _IMPL_ORDER:
            row[kind] = "n/a" if getattr(scenario, "reference", "legacy") == "recorded" \
                and kind != "unified" else "—"
        for result in scenario.results:
            kind = result.implementation.split(":")[0]
            label = result.status
            if result.cited:
                label += " (" + ", ".join(result.cited) + ")"
            row[kind if kind in _IMPL_ORDER else result.implementation] = label
        rows.append(row)
    return rows


def render_markdown(run: Any, extra: dict[str, Any] | None = None) -> str:
    """The report text."""
    from unified.datatable import DataTableFrame

    counts = run.counts()
    lines = ["# Parity report", "",
             f"{len(run.scenarios)} scenarios in {run.wall_time:.1f} s — " +
             ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), "",
             "Legend: REFERENCE = the legacy pattern; PASS = identical; EXPECTED-DIFF = "
             "differs only as listed in unified/compat/DIFFERENCES.md (ids cited); FAIL; "
             "n/a = no legacy pattern carries the scenario (unified is judged against its "
             "expect block and the recorded wire).", ""]
    lines.append(DataTableFrame(matrix_rows(run)).to_markdown())
    failures = [(s, r) for s in run.scenarios for r in s.results if r.status == "FAIL"]
    if failures:
        lines += ["", "## Failures", ""]
        for scenario, result in failures:
            lines.append(f"### {scenario.scenario} — {result.implementation}")
            lines += [f"- problem: {p}" for p in result.problems]
            lines += [f"- `{name}`: {diff}" for name, diff in result.diffs.items()]
            lines.append("")
    for title, body in (extra or {}).get("markdown_sections", {}).items():
        lines += ["", f"## {title}", "", body]
    return "\n".join(lines) + "\n"


def write_markdown(run: Any, path: Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``parity.md``."""
    path.write_text(render_markdown(run, extra), encoding="utf-8")
    return path
