"""GitHub-flavoured markdown tables for frames (used by the harness reports).

Numbers are right-aligned; floats are formatted with ``floatfmt`` (a format spec,
``"g"`` by default: six significant digits); missing cells are empty; ``|`` in text is
escaped and line breaks become spaces, so every row stays one table row.
"""

from __future__ import annotations

from typing import Any

from unified_datatable._columns import Columns, Kinds


def _cell(value: Any, floatfmt: str) -> str:
    if value is None:
        return ""
    text = format(value, floatfmt) if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(columns: Columns, kinds: Kinds, floatfmt: str = "g") -> str:
    """The table as markdown lines (header, alignment row, one line per row)."""
    if not columns:
        return ""
    names = list(columns)
    align = ["---:" if kinds[name] in ("int", "float") else "---" for name in names]
    body = [_line([_cell(cells[i], floatfmt) for cells in columns.values()])
            for i in range(len(columns[names[0]]))]
    return "\n".join([_line([_cell(name, floatfmt) for name in names]), _line(align), *body])
