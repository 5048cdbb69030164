"""The dashboard's peer row: DSPy's own client against the wrapper, same server, same
program (the ``peer`` benchmark group of ``make bench``, :mod:`harness.perf.peer`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["peer_section"]


def _latest_peer_run(history: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    from ..perf.peer import peer_rows

    for line in reversed(history):
        if peer_rows(line.get("benchmarks") or ()):
            return line
    return None


def peer_section(history: Sequence[Mapping[str, Any]]) -> str:
    """A table of the latest ``make bench`` run that measured the peer row."""
    from ..perf.peer import peer_rows

    run = _latest_peer_run(history)
    if run is None:
        return ('<p class="notice">No peer measurement yet: run <code>make bench</code> '
                "(group <code>peer</code>).</p>")
    rows = []
    for row in peer_rows(run["benchmarks"]):
        low, high = row["interval"]
        ratio = ("baseline" if row["side"] == "dspy" else
                 f"{row['ratio']:.3f} [{low:.3f}–{high:.3f}]")
        rows.append(f'<tr data-side="{escape(row["side"])}"><td>{escape(row["path"])}</td>'
                    f'<td class="num">{row["median_us"]:,.0f}</td><td class="num">{ratio}</td>'
                    "</tr>")
    commit = escape(str(run.get("short_commit") or run.get("commit") or "?"))
    return ('<table id="peer"><tr><th>path</th><th>median µs/call</th>'
            f'<th>× DSPy [95 % interval]</th></tr>{"".join(rows)}</table><p class="meta">The '
            "same <code>dspy.Predict</code> against the same local OpenAI-compatible "
            "server, one HTTP round trip per call, the sides interleaved round after round "
            "(ratio = median of the per-round ratios); <code>make bench</code> of commit "
            f"{commit} ({escape(str(run.get('generated_at', '')))}).</p>")
