"""``fread``: read a CSV file into a frame, the same way for every engine.

The file is parsed with the standard ``csv`` module (so both engines see identical
data) and each column gets the first kind that fits all its non-empty cells: int
(64-bit), float (``nan``/``inf`` allowed), bool (``true``/``false``, any case), else
str. Empty cells are missing (None) in every column. Blank lines are skipped; a row
with the wrong number of fields raises ``ValueError`` naming its line.
"""

from __future__ import annotations

import csv
import os
import re
from typing import Any

from unified_datatable.frame import DataTableFrame

_INT_RE = re.compile(r"^[+-]?\d+$")
_INT64_DIGITS = 18  # any int with at most 18 digits fits in 64 bits


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _infer(cells: list[str]) -> list[Any]:
    present = [c for c in cells if c != ""]
    if all(_INT_RE.match(c) and len(c.lstrip("+-")) <= _INT64_DIGITS for c in present):
        convert: Any = int
    elif all(_is_float(c) for c in present):
        convert = float
    elif all(c.lower() in ("true", "false") for c in present):
        def convert(c: str) -> bool:
            return c.lower() == "true"
    else:
        convert = str
    return [None if c == "" else convert(c) for c in cells]


def fread(path: str | os.PathLike[str], *, sep: str = ",",
          engine: str | None = None) -> DataTableFrame:
    """Read the CSV file at ``path`` (first line: column names) into a frame."""
    with open(path, newline="", encoding="utf-8") as handle:
        lines = [(n, row) for n, row in enumerate(csv.reader(handle, delimiter=sep), start=1)
                 if row]
    if not lines:
        return DataTableFrame(engine=engine)
    (_, header), body = lines[0], lines[1:]
    if len(set(header)) != len(header):
        raise ValueError(f"{path}: the header names a column twice: {header}")
    for line, row in body:
        if len(row) != len(header):
            raise ValueError(f"{path}: line {line} has {len(row)} fields, "
                             f"the header has {len(header)}")
    columns = {name: _infer([row[j] for _, row in body]) for j, name in enumerate(header)}
    return DataTableFrame(columns, engine=engine)
