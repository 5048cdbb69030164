"""``parity.md``: the scenario × implementation matrix, then a field-level diff per failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["matrix_rows", "write_markdown", "render_markdown", "LEGEND"]

#: What each cell of the matrix means (the dashboard shows the same words).
LEGEND = ("Legend: REFERENCE = the legacy pattern, what the others are compared with; "
          "PASS = identical on every compared field; EXPECTED-DIFF = differs only as "
          "listed in unified/compat/DIFFERENCES.md (ids cited); FAIL = any other "
          "difference, a replay miss or a setup error; SKIPPED = not run because the "
          "scenario's cassette is unusable; — = the implementation does not apply to the "
          "scenario (its `implementations` leave it out) or the run's --impl filter did; "
          "n/a = no legacy pattern carries the scenario (unified is judged against its "
          "expect block and the recorded wire).")

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
    from unified_datatable import DataTableFrame

    from .selection import describe

    counts = run.counts()
    selection = (extra or {}).get("selection")
    lines = ["# Parity report", ""]
    if selection and selection.get("filtered"):
        lines += [f"**Filtered run: {describe(selection, len(run.scenarios))}** — not a "
                  "verdict on the whole suite.", ""]
    lines += [f"{describe(selection, len(run.scenarios))} in {run.wall_time:.1f} s — " +
              ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), "", LEGEND, ""]
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
