"""``DataTableFrame``: a small tidyverse-style table over an interchangeable engine.

Every verb returns a new frame and leaves the original alone. A frame keeps the
engine it was built with (``engine="pure"``/``"polars"``, default
:data:`~datatable._engines.DEFAULT_ENGINE`); frames derived from it use the
same engine, and both engines give identical results (same columns, same row order,
same values and types). Column kinds and aggregate conventions are described in
:mod:`unified_datatable._columns` and :mod:`unified_datatable._aggs`.

Errors: an unknown column raises ``KeyError`` naming it, a row number out of range
``IndexError`` (as a list does); every other bad input (ragged columns, bad aggregate
strings, a mutate value of the wrong length) ``ValueError``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from unified_datatable._aggs import parse_aggs, unknown_column
from unified_datatable._columns import Columns, Kinds, from_data, normalize_column
from unified_datatable._engines import Engine, get_engine
from unified_datatable._markdown import render_markdown


class DataTableFrame:
    """A table of named, equal-length columns.

    ``DataTableFrame(data)`` accepts a dict of columns (``{"a": [1, 2]}``), a list of
    row dicts (``[{"a": 1}, {"a": 2}]``; names in order of first appearance, missing
    cells None), a plain list (one column named ``values``), another frame (copied),
    or None/``[]`` (no columns).

    >>> df = DataTableFrame({"team": ["a", "b", "a"], "score": [1, 2, 3]}, engine="pure")
    >>> df
    DataTableFrame(3 × 2)
    >>> df.group_by("team").summarise(n="count()", avg="mean(score)").to_list()
    [{'team': 'a', 'n': 2, 'avg': 2.0}, {'team': 'b', 'n': 1, 'avg': 2.0}]
    """

    __slots__ = ("_engine", "_table")

    def __init__(self, data: Any = None, *, engine: str | None = None) -> None:
        if isinstance(data, DataTableFrame):
            columns, kinds = data.to_dict(), data.kinds
            engine = engine or data.engine
        else:
            columns, kinds = from_data(data)
        self._engine: Engine = get_engine(engine)
        self._table: Any = self._engine.build(columns, kinds)

    @classmethod
    def _wrap(cls, engine: Engine, table: Any) -> DataTableFrame:
        frame = cls.__new__(cls)
        frame._engine, frame._table = engine, table
        return frame

    def _derive(self, table: Any) -> DataTableFrame:
        return self._wrap(self._engine, table)

    # -- shape and access -------------------------------------------------------------

    @property
    def engine(self) -> str:
        """Name of the engine holding this frame (``"pure"`` or ``"polars"``)."""
        return self._engine.name

    @property
    def nrows(self) -> int:
        """Number of rows."""
        return self._engine.nrows(self._table)

    @property
    def ncols(self) -> int:
        """Number of columns."""
        return len(self.names)

    @property
    def shape(self) -> tuple[int, int]:
        """``(nrows, ncols)``."""
        return self.nrows, self.ncols

    @property
    def names(self) -> list[str]:
        """Column names, in order."""
        return self._engine.names(self._table)

    @property
    def kinds(self) -> Kinds:
        """Column name -> kind (``null``, ``bool``, ``int``, ``float`` or ``str``)."""
        return self._engine.kinds(self._table)

    def __len__(self) -> int:
        return self.nrows

    def __repr__(self) -> str:
        return f"DataTableFrame({self.nrows} × {self.ncols})"

    def _check_columns(self, names: Sequence[Any]) -> list[str]:
        known = self.names
        for name in names:
            if name not in known:
                raise unknown_column(name, known)
        return list(names)

    def __getitem__(self, key: Any) -> Any:
        """``df["col"]`` a column as a list, ``df[i]`` a row dict, ``df[a:b]`` a frame of
        rows, ``df[["a", "b"]]`` a frame of columns."""
        if isinstance(key, str):
            return self._engine.column(self._table, self._check_columns([key])[0])
        if isinstance(key, int) and not isinstance(key, bool):
            if not -self.nrows <= key < self.nrows:
                raise IndexError(f"row {key} is out of range for {self.nrows} rows")
            return self._derive(self._engine.slice(self._table, key % self.nrows, 1)).to_list()[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(self.nrows)
            if step != 1:
                raise ValueError("row slices with a step are not supported")
            return self._derive(self._engine.slice(self._table, start, builtins.max(stop - start, 0)))
        if isinstance(key, (list, tuple)):
            return self.select(*key)
        raise ValueError(f"cannot index a DataTableFrame with {type(key).__name__}")

    def _rows(self) -> Iterator[dict[str, Any]]:
        columns = self.to_dict()
        names = list(columns)
        return (dict(zip(names, cells, strict=True)) for cells in zip(*columns.values(), strict=True))

    def to_list(self) -> list[dict[str, Any]]:
        """The rows as a list of dicts."""
        return list(self._rows())

    def to_dict(self) -> Columns:
        """The columns as a dict of lists (fresh lists)."""
        return self._engine.to_columns(self._table)

    def copy(self) -> DataTableFrame:
        """An independent copy with the same engine."""
        return DataTableFrame(self)

    def to_markdown(self, floatfmt: str = "g") -> str:
        """A GitHub markdown table (see :mod:`unified_datatable._markdown`)."""
        return render_markdown(self.to_dict(), self.kinds, floatfmt)

    # -- verbs -----------------------------------------------------------------------------

    def select(self, *cols: str | Sequence[str]) -> DataTableFrame:
        """Only the named columns, in the order given (``select("a", "b")`` or a list)."""
        names = [c for col in cols for c in ([col] if isinstance(col, str) else col)]
        if not names:
            raise ValueError("select needs at least one column")
        if len(set(names)) != len(names):
            raise ValueError(f"select names a column twice: {names}")
        return self._derive(self._engine.select(self._table, self._check_columns(names)))

    def filter(self, predicate: Callable[[dict[str, Any]], Any]) -> DataTableFrame:
        """The rows for which ``predicate(row_dict)`` is truthy, in their order."""
        if not callable(predicate):
            raise ValueError(f"filter needs a function of a row dict, got {predicate!r}")
        mask = [bool(predicate(row)) for row in self._rows()]
        return self._derive(self._engine.filter(self._table, mask))

    def mutate(self, **cols: Any) -> DataTableFrame:
        """Add or replace columns, one after the other (later ones see earlier ones).

        A value is a list (one cell per row), a function of the row dict, or a scalar
        (``None``, bool, int, float, str) broadcast to every row. A replaced column
        keeps its position; a new one goes last.
        """
        frame = self
        for name, value in cols.items():
            frame = frame._with_column(name, value)
        return frame

    def _with_column(self, name: str, value: Any) -> DataTableFrame:
        n = self.nrows
        if callable(value):
            cells = [value(row) for row in self._rows()]
        elif isinstance(value, (list, tuple)):
            cells = list(value)
            if self.ncols and len(cells) != n:
                raise ValueError(f"mutate: column {name!r} has {len(cells)} values "
                                 f"but the frame has {n} rows")
        else:
            cells = [value] * n
        cells, kind = normalize_column(name, cells)
        if not self.ncols:  # the first column of an empty frame sets the row count
            return self._derive(self._engine.build({name: cells}, {name: kind}))
        return self._derive(self._engine.with_column(self._table, name, cells, kind))

    def group_by(self, *cols: str) -> GroupedFrame:
        """Group rows by the named columns; follow with ``.summarise(...)``."""
        if not cols:
            raise ValueError("group_by needs at least one column")
        return GroupedFrame(self, self._check_columns(cols))

    def summarise(self, **aggs: str) -> DataTableFrame:
        """One row of aggregates over all rows, e.g. ``summarise(n="count()", m="mean(x)")``."""
        if not aggs:
            raise ValueError("summarise needs at least one aggregate, e.g. n='count()'")
        return self._summarise([], aggs)

    summarize = summarise

    def _summarise(self, by: list[str], aggs: Mapping[str, str]) -> DataTableFrame:
        parsed = parse_aggs(aggs, self.kinds, by)
        return self._derive(self._engine.summarise(self._table, by, parsed))

    def arrange(self, *cols: str, ascending: bool | Sequence[bool] = True) -> DataTableFrame:
        """Sort rows by the named columns (the first decides first); stable; missing
        values last; ``ascending`` is one bool or one per column."""
        if not cols:
            raise ValueError("arrange needs at least one column")
        names = self._check_columns(cols)
        flags = [ascending] * len(names) if isinstance(ascending, bool) else list(ascending)
        if len(flags) != len(names) or not all(isinstance(f, bool) for f in flags):
            raise ValueError(f"arrange: ascending must be a bool or one bool per column, "
                             f"got {ascending!r} for {len(names)} column(s)")
        return self._derive(self._engine.arrange(self._table, names, [not f for f in flags]))

    def _check_count(self, n: Any, verb: str) -> int:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"{verb}: n must be a non-negative int, got {n!r}")
        return builtins.min(n, self.nrows)

    def head(self, n: int = 6) -> DataTableFrame:
        """The first ``n`` rows."""
        return self._derive(self._engine.slice(self._table, 0, self._check_count(n, "head")))

    def tail(self, n: int = 6) -> DataTableFrame:
        """The last ``n`` rows."""
        count = self._check_count(n, "tail")
        return self._derive(self._engine.slice(self._table, self.nrows - count, count))


class GroupedFrame:
    """A frame grouped by some columns, waiting for :meth:`summarise`."""

    __slots__ = ("_frame", "_by")

    def __init__(self, frame: DataTableFrame, by: list[str]) -> None:
        self._frame, self._by = frame, by

    @property
    def by(self) -> list[str]:
        """The grouping columns."""
        return list(self._by)

    def __repr__(self) -> str:
        return f"GroupedFrame({self._frame!r} by {self._by})"

    def summarise(self, **aggs: str) -> DataTableFrame:
        """One row per group: the group columns, then one column per aggregate.

        Groups appear in the order in which they first occur in the frame (both
        engines). Missing values form a group of their own, as do nan values.
        """
        return self._frame._summarise(self._by, aggs)

    summarize = summarise


Frame = DataTableFrame
"""Alias kept from the legacy API."""
