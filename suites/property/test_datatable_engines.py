"""Property tests: the DataTable engines agree with each other and with plain Python.

Tables have a str key column, an int column, a float column and a bool column, 0 to
12 rows, missing cells everywhere. Floats are multiples of 0.25 (so every sum is exact
in any order and the engines must agree bit for bit: the polars engine sums pairwise,
the pure one exactly rounded) plus, for the engine-equality test, nan, +-inf and -0.0.
Results are compared as ``repr`` of names, kinds and columns, so 1 vs 1.0, True vs 1
and -0.0 vs 0.0 all count as differences.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unified_datatable import POLARS_AVAILABLE, DataTableFrame, available_engines, cbind, rbind

ENGINES = available_engines()
QUARTERS = st.integers(-4000, 4000).map(lambda k: k / 4)
SPECIAL_FLOATS = st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0.0])


@st.composite
def tables(draw: st.DrawFn, special_floats: bool = True) -> dict[str, list[Any]]:
    n = draw(st.integers(0, 12))
    floats = st.one_of(QUARTERS, SPECIAL_FLOATS) if special_floats else QUARTERS

    def column(values: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(st.one_of(st.none(), values), min_size=n, max_size=n))

    return {"k": column(st.sampled_from(["x", "y", "zé"])), "i": column(st.integers(-1000, 1000)),
            "f": column(floats), "b": column(st.booleans())}


def snapshot(frame: DataTableFrame) -> str:
    return repr((frame.names, frame.kinds, frame.to_dict()))


AGGS = ["count()", "sum({})", "mean({})", "min({})", "max({})"]


def draw_aggs(data: st.DataObject, frame: DataTableFrame) -> dict[str, str]:
    """A few aggregates valid for ``frame`` (sum/mean only on non-str columns)."""
    numeric = [n for n, kind in frame.kinds.items() if kind != "str"]
    chosen: dict[str, str] = {}
    for j in range(data.draw(st.integers(1, 4))):
        spec = data.draw(st.sampled_from(AGGS))
        columns = numeric if spec.startswith(("sum", "mean")) else frame.names
        if "{}" in spec and not columns:
            continue
        chosen[f"a{j}"] = spec.format(data.draw(st.sampled_from(columns))) if "{}" in spec else spec
    return chosen or {"n": "count()"}


def keep_row(column: str, row: dict[str, Any]) -> bool:
    value = row[column]
    return value is not None and (value >= 0 if isinstance(value, (int, float)) else value != "x")


def step(data: st.DataObject, frame: DataTableFrame) -> tuple[str, Any]:
    """Draw one verb (with its arguments) valid for ``frame``; return a label and a
    function applying it to a frame."""
    names = frame.names
    verb = data.draw(st.sampled_from(["filter", "mutate", "arrange", "head", "tail",
                                      "select", "group_by", "summarise"]))
    if verb == "filter":
        col = data.draw(st.sampled_from(names))
        return f"filter({col})", lambda f: f.filter(lambda r: keep_row(col, r))
    if verb == "mutate":
        col = data.draw(st.sampled_from(names))
        new = {"m": lambda r: r[col] is None, "c": 2.5}
        new[col] = lambda r: r[col]  # replaces a column in place (it may be m or c)
        return f"mutate(m, c, {col})", lambda f: f.mutate(**new)
    if verb == "arrange":
        cols = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        asc = data.draw(st.lists(st.booleans(), min_size=len(cols), max_size=len(cols)))
        return f"arrange({cols}, {asc})", lambda f: f.arrange(*cols, ascending=asc)
    if verb in ("head", "tail"):
        n = data.draw(st.integers(0, 14))
        return f"{verb}({n})", lambda f: getattr(f, verb)(n)
    if verb == "select":
        cols = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
        return f"select({cols})", lambda f: f.select(*cols)
    aggs = draw_aggs(data, frame)
    if verb == "summarise":
        return f"summarise({aggs})", lambda f: f.summarise(**aggs)
    by = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    aggs = {out: spec for out, spec in aggs.items() if out not in by}
    return f"group_by({by}).summarise({aggs})", lambda f: f.group_by(*by).summarise(**aggs)


@pytest.mark.skipif(not POLARS_AVAILABLE, reason="needs polars to compare engines")
@given(tables(), st.data())
def test_random_verb_pipelines_give_identical_results_on_both_engines(table, data):
    pure = DataTableFrame(table, engine="pure")
    fast = DataTableFrame(table, engine="polars")
    assert snapshot(pure) == snapshot(fast)
    for _ in range(data.draw(st.integers(1, 4))):
        label, apply = step(data, pure)
        pure, fast = apply(pure), apply(fast)
        assert snapshot(pure) == snapshot(fast), label


def reference_groups(table: dict[str, list[Any]], by: list[str]) -> dict[tuple[Any, ...], list[int]]:
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i in range(len(table["k"])):
        groups.setdefault(tuple(table[c][i] for c in by), []).append(i)
    return groups


def reference_aggregate(func: str, values: list[Any], column_has_values: bool) -> Any:
    """count, sum, mean, min, max as documented: missing cells skipped; a column with no
    values at all aggregates to None; an empty sum is 0."""
    present = [v for v in values if v is not None]
    if func == "count":
        return len(values)
    if not column_has_values:
        return None
    if func == "sum":
        return sum(present)
    if func == "mean":
        return sum(present) / len(present) if present else None
    return (min if func == "min" else max)(present) if present else None


@pytest.mark.parametrize("engine", ENGINES)
@given(table=tables(special_floats=False),
       by=st.lists(st.sampled_from(["k", "b", "i"]), min_size=1, max_size=2, unique=True),
       column=st.sampled_from(["i", "f", "b"]),
       func=st.sampled_from(["count", "sum", "mean", "min", "max"]))
def test_grouped_aggregates_agree_with_a_plain_python_reference(engine, table, by, column, func):
    spec = "count()" if func == "count" else f"{func}({column})"
    got = DataTableFrame(table, engine=engine).group_by(*by).summarise(out=spec).to_list()
    expected = []
    has_values = any(v is not None for v in table[column])
    for key, rows in reference_groups(table, by).items():
        value = reference_aggregate(func, [table[column][i] for i in rows], has_values)
        if func == "sum" and column == "f" and has_values:
            value = float(value)
        expected.append({**dict(zip(by, key, strict=True)), "out": value})
    assert repr(got) == repr(expected)


@pytest.mark.parametrize("engine", ENGINES)
@given(table=tables(special_floats=False), column=st.sampled_from(["k", "i", "f", "b"]),
       ascending=st.booleans())
def test_arrange_agrees_with_a_stable_python_sort_with_missing_values_last(engine, table,
                                                                             column, ascending):
    frame = DataTableFrame(table, engine=engine)
    rows = frame.to_list()
    present = sorted((r for r in rows if r[column] is not None), key=lambda r: r[column],
                     reverse=not ascending)
    expected = present + [r for r in rows if r[column] is None]
    assert frame.arrange(column, ascending=ascending).to_list() == expected


@pytest.mark.parametrize("engine", ENGINES)
@given(table=tables(), column=st.sampled_from(["k", "i", "f", "b"]))
def test_filter_keeps_exactly_the_rows_a_list_comprehension_keeps(engine, table, column):
    frame = DataTableFrame(table, engine=engine)
    expected = [row for row in frame.to_list() if keep_row(column, row)]
    assert repr(frame.filter(lambda r: keep_row(column, r)).to_list()) == repr(expected)


@pytest.mark.parametrize("engine", ENGINES)
@given(table=tables(), cut=st.integers(0, 12))
def test_rbind_of_head_and_tail_and_cbind_of_columns_rebuild_the_frame(engine, table, cut):
    frame = DataTableFrame(table, engine=engine)
    cut = min(cut, frame.nrows)
    rebuilt = rbind(frame.head(cut), frame.tail(frame.nrows - cut))
    side_by_side = cbind(frame.select("k", "i"), frame.select("f", "b"))
    assert snapshot(rebuilt) == snapshot(frame) == snapshot(side_by_side)
