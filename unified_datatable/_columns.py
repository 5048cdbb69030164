"""Columns and their kinds: the one validation every engine builds from.

A column is a list of cells plus a *kind*: ``"null"`` (no values yet), ``"bool"``,
``"int"`` (64-bit), ``"float"`` or ``"str"``. Both engines store exactly these kinds
(polars as Null/Boolean/Int64/Float64/String), which is what keeps their results
identical. Rules, applied the same way whatever the engine:

- a cell is ``None`` (missing), a bool, an int, a float or a str -- anything else is a
  ``ValueError`` naming the column and row (store dates as ISO strings);
- ints and floats in one column make a float column (the ints become floats);
- any other mix (bool with int, str with float, ...) is a ``ValueError``;
- ints must fit in 64 bits, strings must be valid Unicode (no lone surrogates);
- ``-0.0`` is stored as ``0.0`` (polars' min/max/sum treat the sign of zero
  inconsistently, so keeping it would make the engines disagree).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

Kind: TypeAlias = Literal["null", "bool", "int", "float", "str"]
Columns: TypeAlias = dict[str, list[Any]]
Kinds: TypeAlias = dict[str, Kind]

NUMERIC_KINDS: tuple[Kind, ...] = ("bool", "int", "float", "null")
_INT64 = (-(2**63), 2**63 - 1)


def _kind_of(value: Any, where: str) -> tuple[Any, Kind]:
    """The cell as a plain Python value, and its kind."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()  # numpy scalars behave like the Python value they hold
    if value is None:
        return None, "null"
    if isinstance(value, bool):
        return bool(value), "bool"
    if isinstance(value, numbers.Integral):
        if not _INT64[0] <= int(value) <= _INT64[1]:
            raise ValueError(f"{where}: the int {value} does not fit in 64 bits")
        return int(value), "int"
    if isinstance(value, numbers.Real):
        return float(value), "float"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{where}: {value!r} is not valid Unicode text") from None
        return str(value), "str"
    raise ValueError(f"{where}: unsupported cell type {type(value).__name__} "
                     "(cells are None, bool, int, float or str)")


def merge_kinds(first: Kind, second: Kind, where: str) -> Kind:
    """The kind of a column holding values of both kinds; ``ValueError`` if they clash."""
    if first == second or second == "null":
        return first
    if first == "null":
        return second
    if {first, second} == {"int", "float"}:
        return "float"
    raise ValueError(f"{where} mixes {first} and {second} values")


def normalize_column(name: str, values: Any, kind: Kind = "null") -> tuple[list[Any], Kind]:
    """Validate one column; return its cells (ints made floats in a float column) and kind.

    ``kind`` is the kind the column had so far (``rbind`` passes the kinds of every input,
    so an empty int column stays an int column).
    """
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise ValueError(f"column {name!r} must be a list of values, "
                         f"got {type(values).__name__}")
    cells = []
    for i, raw in enumerate(values):
        value, value_kind = _kind_of(raw, f"column {name!r} row {i}")
        kind = merge_kinds(kind, value_kind, f"column {name!r}")
        cells.append(value)
    if kind == "float":  # + 0.0 turns -0.0 into 0.0: engines disagree on signed zeros
        cells = [None if v is None else float(v) + 0.0 for v in cells]
    return cells, kind


def check_name(name: Any) -> str:
    """A column name must be a string."""
    if not isinstance(name, str):
        raise ValueError(f"column names must be strings, got {name!r}")
    return name


def from_columns(data: Mapping[Any, Any]) -> tuple[Columns, Kinds]:
    """Validate a dict of columns; all columns must have the same length."""
    columns: Columns = {}
    kinds: Kinds = {}
    for name, values in data.items():
        columns[check_name(name)], kinds[name] = normalize_column(name, values)
    lengths = {name: len(cells) for name, cells in columns.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ValueError(f"ragged columns: every column needs the same length, got {shown}")
    return columns, kinds


def from_rows(rows: Sequence[Mapping[Any, Any]]) -> tuple[Columns, Kinds]:
    """Columns from row dicts; names in order of first appearance, missing cells None."""
    names: dict[str, None] = {}
    for row in rows:
        names.update((check_name(name), None) for name in row)
    return from_columns({name: [row.get(name) for row in rows] for name in names})


def from_data(data: Any) -> tuple[Columns, Kinds]:
    """Columns from a dict of columns, a list of row dicts, a plain list (column
    ``values``) or None (no columns). ``[]`` is a frame with no columns."""
    if data is None:
        return {}, {}
    if isinstance(data, Mapping):
        return from_columns(data)
    if isinstance(data, (list, tuple)):
        are_rows = [isinstance(item, Mapping) for item in data]
        if data and all(are_rows):
            return from_rows(data)
        if any(are_rows):
            raise ValueError("a list must hold only row dicts or only plain values, "
                             f"row {are_rows.index(not are_rows[0])} differs from row 0")
        return from_columns({"values": data}) if data else ({}, {})
    raise ValueError("DataTableFrame needs a dict of columns, a list of row dicts or a "
                     f"plain list, got {type(data).__name__}")
