"""The polars engine: the same verbs on a ``polars.DataFrame``.

This module never imports polars. :mod:`unified_datatable._engines` holds the one
guarded import and hands the module object to :class:`PolarsEngine` only when that
import succeeded, so nothing here can refer to a polars that is not installed (the
legacy ``_dt`` bug).

Semantics match the pure engine: ``sort(..., nulls_last=True, maintain_order=True)``,
``group_by(..., maintain_order=True)`` (groups in first-appearance order) and polars'
own aggregates, whose conventions :mod:`unified_datatable._aggs` adopts. Float sums are
computed by polars (pairwise); they equal the pure engine's exactly rounded sums
whenever the sum is exact, and may differ in the last bits otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unified_datatable._aggs import Agg
from unified_datatable._columns import Columns, Kind, Kinds


class PolarsEngine:
    """Engine over ``polars.DataFrame``; built with the polars module object."""

    name = "polars"

    def __init__(self, pl: Any) -> None:
        self._pl = pl
        self._dtypes = {"null": pl.Null, "bool": pl.Boolean, "int": pl.Int64,
                        "float": pl.Float64, "str": pl.String}

    def _series(self, name: str, cells: list[Any], kind: Kind) -> Any:
        return self._pl.Series(name, cells, dtype=self._dtypes[kind])

    def build(self, columns: Columns, kinds: Kinds) -> Any:
        """A DataFrame from validated columns, each with the dtype of its kind."""
        return self._pl.DataFrame([self._series(n, cells, kinds[n]) for n, cells in columns.items()])

    def to_columns(self, table: Any) -> Columns:
        """Every column as a Python list."""
        return table.to_dict(as_series=False)

    def _kind(self, dtype: Any) -> Kind:
        if dtype == self._pl.Null:
            return "null"
        if dtype == self._pl.Boolean:
            return "bool"
        if dtype.is_integer():
            return "int"
        if dtype.is_float():
            return "float"
        if dtype == self._pl.String:
            return "str"
        raise ValueError(f"polars dtype {dtype} has no DataTable kind")

    def kinds(self, table: Any) -> Kinds:
        """The kind of every column, read from the dtypes."""
        return {name: self._kind(dtype) for name, dtype in table.schema.items()}

    def nrows(self, table: Any) -> int:
        """Number of rows."""
        return int(table.height)

    def names(self, table: Any) -> list[str]:
        """Column names in order."""
        return list(table.columns)

    def column(self, table: Any, name: str) -> list[Any]:
        """One column as a Python list."""
        return table.get_column(name).to_list()

    def select(self, table: Any, names: Sequence[str]) -> Any:
        """Only ``names``, in that order."""
        return table.select(list(names))

    def filter(self, table: Any, mask: Sequence[bool]) -> Any:
        """The rows where ``mask`` is true."""
        return table.filter(self._pl.Series(list(mask), dtype=self._pl.Boolean))

    def slice(self, table: Any, start: int, length: int) -> Any:
        """``length`` rows from ``start``."""
        return table.slice(start, length)

    def arrange(self, table: Any, by: Sequence[str], descending: Sequence[bool]) -> Any:
        """Stable sort by ``by`` (first key most significant), missing values last."""
        return table.sort(list(by), descending=list(descending), nulls_last=True,
                          maintain_order=True)

    def with_column(self, table: Any, name: str, cells: list[Any], kind: Kind) -> Any:
        """Replace (in place in the column order) or append a column."""
        return table.with_columns(self._series(name, cells, kind))

    def _expr(self, agg: Agg) -> Any:
        pl = self._pl
        expr = pl.len() if agg.func == "count" else getattr(pl.col(agg.column), agg.func)()
        return expr.alias(agg.out)

    def summarise(self, table: Any, by: Sequence[str], aggs: Sequence[Agg]) -> Any:
        """One row per group (first-appearance order; one row in all if ``by`` is empty)."""
        exprs = [self._expr(agg) for agg in aggs]
        if not by:
            return table.select(exprs)
        return table.group_by(list(by), maintain_order=True).agg(exprs)
