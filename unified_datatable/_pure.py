"""The pure-Python engine: always available, every verb implemented.

A table is a dict of column lists plus the column kinds. Semantics mirror the polars
engine exactly: sorts are stable with missing values last (nan sorts above every
number), groups keep the order in which they first appear (nan keys form one group,
0.0 and -0.0 one group), aggregates follow :mod:`unified_datatable._aggs`.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from unified_datatable._aggs import Agg, result_kind
from unified_datatable._columns import Columns, Kind, Kinds
from unified_tlm import asum

_NAN_KEY = object()


@dataclass
class PureTable:
    """Columns (name -> cells), their kinds, and the row count."""

    data: Columns
    kinds: Kinds
    nrows: int


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _sort_key(value: Any, descending: bool) -> tuple[Any, ...]:
    if value is None:  # last either way: reverse=True flips the order
        return (-1,) if descending else (2,)
    if _is_nan(value):
        return (1,)
    return (0, value)


def _reduce(func: str, cells: list[Any], kind: Kind) -> Any:
    if func == "count":
        return len(cells)
    present = [v for v in cells if v is not None]
    if kind == "null":
        return None
    if func in ("sum", "mean"):
        if kind == "float":
            total: Any = asum(present)
        else:
            total = builtins.sum(int(v) for v in present)
        if func == "sum":
            return total
        return total / len(present) if present else None
    comparable = [v for v in present if not _is_nan(v)]
    if not comparable:
        return math.nan if present else None
    return builtins.min(comparable) if func == "min" else builtins.max(comparable)


class PureEngine:
    """Engine over plain Python lists."""

    name = "pure"

    def build(self, columns: Columns, kinds: Kinds) -> PureTable:
        """A table from validated columns (the lists are copied)."""
        nrows = len(next(iter(columns.values()))) if columns else 0
        return PureTable({k: list(v) for k, v in columns.items()}, dict(kinds), nrows)

    def to_columns(self, table: PureTable) -> Columns:
        """Every column as a fresh list."""
        return {name: list(cells) for name, cells in table.data.items()}

    def kinds(self, table: PureTable) -> Kinds:
        """The kind of every column."""
        return dict(table.kinds)

    def nrows(self, table: PureTable) -> int:
        """Number of rows."""
        return table.nrows

    def names(self, table: PureTable) -> list[str]:
        """Column names in order."""
        return list(table.data)

    def column(self, table: PureTable, name: str) -> list[Any]:
        """One column as a fresh list."""
        return list(table.data[name])

    def select(self, table: PureTable, names: Sequence[str]) -> PureTable:
        """Only ``names``, in that order."""
        return PureTable({n: table.data[n] for n in names}, {n: table.kinds[n] for n in names},
                         table.nrows)

    def _take(self, table: PureTable, rows: Sequence[int]) -> PureTable:
        data = {name: [cells[i] for i in rows] for name, cells in table.data.items()}
        return PureTable(data, dict(table.kinds), len(rows))

    def filter(self, table: PureTable, mask: Sequence[bool]) -> PureTable:
        """The rows where ``mask`` is true."""
        return self._take(table, [i for i, keep in enumerate(mask) if keep])

    def slice(self, table: PureTable, start: int, length: int) -> PureTable:
        """``length`` rows from ``start``."""
        return self._take(table, range(start, builtins.min(start + length, table.nrows)))

    def arrange(self, table: PureTable, by: Sequence[str],
                descending: Sequence[bool]) -> PureTable:
        """Stable sort by ``by`` (first key most significant), missing values last."""
        order = list(range(table.nrows))
        for name, desc in reversed(list(zip(by, descending, strict=True))):
            keys = [_sort_key(cell, desc) for cell in table.data[name]]
            order.sort(key=keys.__getitem__, reverse=desc)
        return self._take(table, order)

    def with_column(self, table: PureTable, name: str, cells: list[Any], kind: Kind) -> PureTable:
        """Replace (in place in the column order) or append a column."""
        return PureTable({**table.data, name: list(cells)}, {**table.kinds, name: kind},
                         table.nrows)

    def summarise(self, table: PureTable, by: Sequence[str], aggs: Sequence[Agg]) -> PureTable:
        """One row per group (first-appearance order; one row in all if ``by`` is empty)."""
        groups: dict[tuple[Any, ...], list[int]] = {} if by else {(): []}
        for i in range(table.nrows):
            key = tuple(_NAN_KEY if _is_nan(table.data[c][i]) else table.data[c][i] for c in by)
            groups.setdefault(key, []).append(i)
        data: Columns = {c: [table.data[c][rows[0]] for rows in groups.values()] for c in by}
        kinds: Kinds = {c: table.kinds[c] for c in by}
        for agg in aggs:
            kind = table.kinds[agg.column] if agg.column else "int"
            source = table.data[agg.column] if agg.column else None
            data[agg.out] = [
                _reduce(agg.func, rows if source is None else [source[i] for i in rows], kind)
                for rows in groups.values()]
            kinds[agg.out] = result_kind(agg, table.kinds)
        return PureTable(data, kinds, len(groups))
