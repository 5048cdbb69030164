"""Aggregate specs for ``summarise``: parsing ``"mean(col)"`` strings and result kinds.

The aggregates and what they give (identical in every engine, polars' conventions):

=========  ===============================================================
count()    number of rows (missing cells included), an int
sum(c)     sum of the present values: int for int/bool columns, float for
           float columns; 0 (or 0.0) when nothing is present
mean(c)    float mean of the present values; None when nothing is present
min(c)     smallest present value (nan is skipped unless all values are nan);
max(c)     None when nothing is present
=========  ===============================================================

``sum``/``mean`` need a bool, int or float column. On a column with no values at all
(kind ``"null"``) every aggregate but ``count()`` is None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unified_datatable._columns import NUMERIC_KINDS, Kind, Kinds

AGG_FUNCS = ("mean", "sum", "count", "min", "max")
_AGG_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(\s*([^()]*?)\s*\)\s*$")


@dataclass(frozen=True)
class Agg:
    """One output column of ``summarise``: ``out = func(column)``."""

    out: str
    func: str
    column: str | None


def unknown_column(name: Any, names: Sequence[str]) -> KeyError:
    """The error for a column that does not exist, listing the ones that do."""
    return KeyError(f"unknown column {name!r}; the frame has {list(names)}")


def parse_agg(out: str, spec: Any, kinds: Kinds) -> Agg:
    """Parse one aggregate string such as ``"mean(score)"`` or ``"count()"``."""
    forms = "'mean(col)', 'sum(col)', 'count()', 'min(col)' or 'max(col)'"
    match = _AGG_RE.match(spec) if isinstance(spec, str) else None
    if match is None or match.group(1) not in AGG_FUNCS:
        raise ValueError(f"summarise: bad aggregate {out}={spec!r}; use {forms}")
    func, column = match.group(1), match.group(2) or None
    if func == "count":
        if column is not None:
            raise ValueError(f"summarise: {out}={spec!r}: count() takes no column")
        return Agg(out, func, None)
    if column is None:
        raise ValueError(f"summarise: {out}={spec!r}: {func}() needs a column, e.g. {func}(x)")
    if column not in kinds:
        raise unknown_column(column, list(kinds))
    if func in ("mean", "sum") and kinds[column] not in NUMERIC_KINDS:
        raise ValueError(f"summarise: {out}={spec!r}: {func} needs a numeric or bool column, "
                         f"{column!r} holds {kinds[column]} values")
    return Agg(out, func, column)


def parse_aggs(aggs: Mapping[str, Any], kinds: Kinds, by: Sequence[str]) -> list[Agg]:
    """Parse every aggregate; an output name may not repeat a grouping column."""
    clash = [out for out in aggs if out in by]
    if clash:
        raise ValueError(f"summarise: output column(s) {clash} repeat a group_by column")
    return [parse_agg(out, spec, kinds) for out, spec in aggs.items()]


def result_kind(agg: Agg, kinds: Kinds) -> Kind:
    """The kind of the column an aggregate produces (as polars types it)."""
    if agg.column is None:  # count()
        return "int"
    source = kinds[agg.column]
    if source == "null":
        return "null"
    if agg.func == "mean":
        return "float"
    if agg.func == "sum":
        return "float" if source == "float" else "int"
    return source
