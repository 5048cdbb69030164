"""Regression: the DataTable ``_dt`` bug (spec section 8).

A refactor swapped the guarded ``import unified_datatable as _dt`` for a polars flag but kept
``if POLARS_AVAILABLE and _dt: ... _dt.Frame``, so building a frame raised
``NameError`` whenever polars was installed; two modules disagreed on the flag; and
the pure fallback silently ignored ``filter``, ``arrange`` and grouped ``summarise``.

Pinned here: the package imports and every verb gives the expected result with polars
blocked (a subprocess with ``sys.modules["polars"] = None``) and, when polars is
installed, with the polars engine too; building a frame with the flag set works; no
module refers to a name it never defines; one module owns the import and the flag.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import os
import subprocess
import symtable
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

import unified_datatable as datatable
from unified_datatable import DataTableFrame, cbind, fread, rbind

PACKAGE_DIR = Path(datatable.__file__).parent
SCORES = {"team": ["b", "a", "b", None, "a"], "score": [3, 1, None, 4, 2],
          "w": [0.5, 1.5, 2.5, None, 4.0]}


def exercise(engine: str | None = None) -> dict[str, Any]:
    """Every public verb once on SCORES; results as JSON-able values."""
    df = DataTableFrame(SCORES, engine=engine)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "scores.csv")
        path.write_text("team,score,ok\nb,3,true\n,1.5,False\n", encoding="utf-8")
        read = fread(path, engine=engine).to_dict()
    return {
        "engine": df.engine,
        "repr": repr(df),
        "shape": [df.nrows, df.ncols, df.names],
        "from row dicts": DataTableFrame([{"a": 1}, {"a": 2, "b": "x"}], engine=engine).to_dict(),
        "from a plain list": DataTableFrame([1, 2], engine=engine).to_dict(),
        "getitem": [df["score"], df[0], df[1:3].to_dict(), df[["w", "team"]].names],
        "select": df.select("w", "team").to_dict(),
        "filter": df.filter(lambda r: r["score"] is not None and r["score"] >= 2).to_dict(),
        "mutate": df.mutate(k=1, score=[5, 6, 7, 8, 9], twice=lambda r: 2 * r["score"]).to_dict(),
        "grouped summarise": df.group_by("team").summarise(
            n="count()", total="sum(score)", avg="mean(w)", lo="min(score)", hi="max(w)").to_list(),
        "summarise": df.summarise(n="count()", total="sum(w)", avg="mean(score)").to_list(),
        "arrange": df.arrange("team", "score", ascending=[True, False]).to_dict(),
        "head": df.head(2).to_dict(),
        "tail": df.tail(2).to_dict(),
        "to_list": df.head(1).to_list(),
        "copy": [df.copy().to_dict() == df.to_dict(), df.copy() is not df],
        "fread": read,
        "rbind": rbind(df.head(1), df.tail(1)).to_dict(),
        "cbind": cbind(df.select("team"), df.select("w")).names,
        "to_markdown": df.head(2).to_markdown(),
    }


EXPECTED: dict[str, Any] = {
    "repr": "DataTableFrame(5 × 3)",
    "shape": [5, 3, ["team", "score", "w"]],
    "from row dicts": {"a": [1, 2], "b": [None, "x"]},
    "from a plain list": {"values": [1, 2]},
    "getitem": [[3, 1, None, 4, 2], {"team": "b", "score": 3, "w": 0.5},
                {"team": ["a", "b"], "score": [1, None], "w": [1.5, 2.5]}, ["w", "team"]],
    "select": {"w": [0.5, 1.5, 2.5, None, 4.0], "team": ["b", "a", "b", None, "a"]},
    "filter": {"team": ["b", None, "a"], "score": [3, 4, 2], "w": [0.5, None, 4.0]},
    "mutate": {"team": ["b", "a", "b", None, "a"], "score": [5, 6, 7, 8, 9],
               "w": [0.5, 1.5, 2.5, None, 4.0], "k": [1, 1, 1, 1, 1],
               "twice": [10, 12, 14, 16, 18]},
    "grouped summarise": [
        {"team": "b", "n": 2, "total": 3, "avg": 1.5, "lo": 3, "hi": 2.5},
        {"team": "a", "n": 2, "total": 3, "avg": 2.75, "lo": 1, "hi": 4.0},
        {"team": None, "n": 1, "total": 4, "avg": None, "lo": 4, "hi": None},
    ],
    "summarise": [{"n": 5, "total": 8.5, "avg": 2.5}],
    "arrange": {"team": ["a", "a", "b", "b", None], "score": [2, 1, 3, None, 4],
                "w": [4.0, 1.5, 0.5, 2.5, None]},
    "head": {"team": ["b", "a"], "score": [3, 1], "w": [0.5, 1.5]},
    "tail": {"team": [None, "a"], "score": [4, 2], "w": [None, 4.0]},
    "to_list": [{"team": "b", "score": 3, "w": 0.5}],
    "copy": [True, True],
    "fread": {"team": ["b", None], "score": [3.0, 1.5], "ok": [True, False]},
    "rbind": {"team": ["b", "a"], "score": [3, 2], "w": [0.5, 4.0]},
    "cbind": ["team", "w"],
    "to_markdown": "| team | score | w |\n| --- | ---: | ---: |\n| b | 3 | 0.5 |\n| a | 1 | 1.5 |",
}

_WITHOUT_POLARS = f"""
import json, sys
sys.modules["polars"] = None  # import polars now raises ImportError
sys.path.insert(0, {str(Path(__file__).parent)!r})
import unified_datatable as datatable
import {Path(__file__).stem} as scenario
try:
    datatable.DataTableFrame([1], engine="polars")
    forced = "no error"
except ValueError as exc:
    forced = str(exc)
print(json.dumps({{"flag": datatable.POLARS_AVAILABLE, "default": datatable.DEFAULT_ENGINE,
                  "available": datatable.available_engines(), "forced": forced,
                  "results": scenario.exercise()}}))
"""


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "UNIFIED_DATATABLE_ENGINE"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**environ, **env}, timeout=120)


@pytest.fixture(scope="module")
def without_polars() -> dict[str, Any]:
    done = _python(_WITHOUT_POLARS)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_without_polars_the_package_imports_with_the_flag_off_and_the_pure_engine(without_polars):
    assert (without_polars["flag"], without_polars["default"], without_polars["available"]) == (
        False, "pure", ["pure"])


def test_without_polars_asking_for_the_polars_engine_raises_value_error(without_polars):
    assert "'polars' engine was requested but polars is not installed" in without_polars["forced"]


@pytest.mark.parametrize("verb", EXPECTED)
def test_every_verb_works_in_the_pure_engine_without_polars_installed(without_polars, verb):
    assert without_polars["results"][verb] == EXPECTED[verb]


@pytest.mark.skipif(not datatable.POLARS_AVAILABLE, reason="polars is not installed")
@pytest.mark.parametrize("verb", EXPECTED)
def test_every_verb_gives_the_same_result_with_the_polars_engine(verb):
    assert json.loads(json.dumps(exercise("polars")[verb])) == EXPECTED[verb]


@pytest.mark.skipif(not datatable.POLARS_AVAILABLE, reason="polars is not installed")
def test_building_a_frame_works_when_the_polars_flag_is_set():
    frame = DataTableFrame({"a": [1, 2]})
    assert (frame.engine, frame.to_dict()) == ("polars", {"a": [1, 2]})


def test_the_engine_environment_variable_forces_the_pure_engine():
    done = _python("import unified_datatable as d; print(d.DEFAULT_ENGINE)",
                   UNIFIED_DATATABLE_ENGINE="pure")
    assert done.stdout.strip() == "pure", done.stderr


def test_an_unknown_engine_in_the_environment_fails_the_import_naming_it():
    done = _python("import unified_datatable", UNIFIED_DATATABLE_ENGINE="pandas")
    assert "unknown DataTable engine 'pandas'" in done.stderr


def _undefined_names(path: Path, namespace: dict[str, Any]) -> list[str]:
    """Global names used inside functions/classes of ``path`` that nothing defines."""
    missing = []
    scopes = list(symtable.symtable(path.read_text(), str(path), "exec").get_children())
    while scopes:
        scope = scopes.pop()
        scopes.extend(scope.get_children())
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            if (symbol.is_referenced() and symbol.is_global() and name not in namespace
                    and not hasattr(builtins, name)):
                missing.append(f"{path.name}: {scope.get_name()} uses undefined {name}")
    return missing


def test_no_module_of_the_package_uses_a_name_it_never_defines():
    missing = []
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        name = "unified_datatable" + ("" if path.stem == "__init__" else f".{path.stem}")
        missing += _undefined_names(path, vars(importlib.import_module(name)))
    assert missing == []


def _modules_where(predicate: Any) -> list[str]:
    return sorted(path.name for path in PACKAGE_DIR.glob("*.py")
                  if any(predicate(node) for node in ast.walk(ast.parse(path.read_text()))))


def test_exactly_one_module_imports_polars_and_sets_the_availability_flag():
    def imports_polars(node: ast.AST) -> bool:
        return (isinstance(node, ast.Import) and any(a.name.split(".")[0] == "polars" for a in node.names)) \
            or (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "polars")

    def sets_flag(node: ast.AST) -> bool:
        return isinstance(node, (ast.Assign, ast.AnnAssign)) and any(
            isinstance(t, ast.Name) and t.id == "POLARS_AVAILABLE"
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))

    assert (_modules_where(imports_polars), _modules_where(sets_flag)) == (
        ["_engines.py"], ["_engines.py"])


@pytest.mark.parametrize("engine", datatable.available_engines())
def test_ragged_columns_raise_value_error_naming_the_lengths(engine):
    with pytest.raises(ValueError, match="ragged columns.*a=2, b=1"):
        DataTableFrame({"a": [1, 2], "b": [1]}, engine=engine)


@pytest.mark.parametrize("engine", datatable.available_engines())
def test_an_unknown_column_raises_key_error_naming_it(engine):
    with pytest.raises(KeyError, match="unknown column 'nope'"):
        DataTableFrame(SCORES, engine=engine).arrange("nope")


@pytest.mark.parametrize("engine", datatable.available_engines())
def test_a_bad_aggregate_string_raises_value_error_naming_it(engine):
    with pytest.raises(ValueError, match=r"bad aggregate m='median\(score\)'"):
        DataTableFrame(SCORES, engine=engine).group_by("team").summarise(m="median(score)")


def _frame(engine: str) -> DataTableFrame:
    return DataTableFrame(SCORES, engine=engine)


BAD_INPUT: dict[str, tuple[Any, type[Exception], str]] = {
    "a column mixing kinds": (lambda e: DataTableFrame({"a": [1, "x"]}, engine=e), ValueError,
                              "column 'a' mixes int and str values"),
    "an unsupported cell": (lambda e: DataTableFrame({"a": [[1]]}, engine=e), ValueError,
                            "column 'a' row 0: unsupported cell type list"),
    "an int beyond 64 bits": (lambda e: DataTableFrame({"a": [2**70]}, engine=e), ValueError,
                              "does not fit in 64 bits"),
    "a non-string name": (lambda e: DataTableFrame({1: [1]}, engine=e), ValueError,
                          "column names must be strings"),
    "a column that is no list": (lambda e: DataTableFrame({"a": 5}, engine=e), ValueError,
                                 "column 'a' must be a list of values"),
    "rows mixed with values": (lambda e: DataTableFrame([{"a": 1}, 2], engine=e), ValueError,
                               "only row dicts or only plain values"),
    "no table at all": (lambda e: DataTableFrame(5, engine=e), ValueError,
                        "needs a dict of columns, a list of row dicts or a plain list"),
    "an unknown engine": (lambda e: DataTableFrame([1], engine="pandas"), ValueError,
                          "unknown DataTable engine 'pandas'"),
    "select of nothing": (lambda e: _frame(e).select(), ValueError, "at least one column"),
    "select of a column twice": (lambda e: _frame(e).select("w", "w"), ValueError,
                                 "names a column twice"),
    "an unknown column": (lambda e: _frame(e)["nope"], KeyError, "unknown column 'nope'"),
    "a filter that is no function": (lambda e: _frame(e).filter("score > 1"), ValueError,
                                     "filter needs a function of a row dict"),
    "a mutate list of the wrong length": (lambda e: _frame(e).mutate(x=[1]), ValueError,
                                          "'x' has 1 values but the frame has 5 rows"),
    "group_by of nothing": (lambda e: _frame(e).group_by(), ValueError, "at least one column"),
    "summarise of nothing": (lambda e: _frame(e).summarise(), ValueError, "at least one aggregate"),
    "count of a column": (lambda e: _frame(e).summarise(n="count(w)"), ValueError,
                          r"count\(\) takes no column"),
    "mean of no column": (lambda e: _frame(e).summarise(m="mean()"), ValueError,
                          r"mean\(\) needs a column"),
    "mean of a str column": (lambda e: _frame(e).summarise(m="mean(team)"), ValueError,
                             "needs a numeric or bool column, 'team' holds str values"),
    "an aggregate of an unknown column": (lambda e: _frame(e).summarise(m="max(x)"), KeyError,
                                          "unknown column 'x'"),
    "an output repeating a key": (lambda e: _frame(e).group_by("team").summarise(team="count()"),
                                  ValueError, "repeat a group_by column"),
    "one ascending flag for two columns": (
        lambda e: _frame(e).arrange("team", "w", ascending=[True]), ValueError,
        "one bool per column"),
    "a negative head": (lambda e: _frame(e).head(-1), ValueError, "n must be a non-negative int"),
    "a row slice with a step": (lambda e: _frame(e)[::2], ValueError, "with a step"),
    "rbind of different columns": (lambda e: rbind(_frame(e), _frame(e).select("w")), ValueError,
                                   r"frame 1 has different columns \(missing \['score', 'team'\]"),
    "cbind of different row counts": (lambda e: cbind(_frame(e), _frame(e).head(1)), ValueError,
                                      r"different row counts \[5, 1\]"),
    "cbind of a repeated name": (lambda e: cbind(_frame(e), _frame(e).select("w")), ValueError,
                                 r"column name\(s\) \['w'\] appear in more than one frame"),
}


@pytest.mark.parametrize("engine", datatable.available_engines())
@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_raises_an_error_whose_message_names_the_problem(engine, case):
    call, error, message = BAD_INPUT[case]
    with pytest.raises(error, match=message):
        call(engine)


def test_fread_rejects_a_row_with_the_wrong_number_of_fields_naming_its_line(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3 has 1 fields, the header has 2"):
        fread(tmp_path / "bad.csv")


def test_fread_reads_int_columns_and_an_empty_file(tmp_path):
    (tmp_path / "ints.csv").write_text("n\n1\n-2\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert (fread(tmp_path / "ints.csv").to_dict(), fread(tmp_path / "empty.csv").shape) == (
        {"n": [1, -2]}, (0, 0))


@pytest.mark.parametrize("engine", datatable.available_engines())
def test_ints_and_floats_in_one_column_make_a_float_column(engine):
    frame = DataTableFrame({"x": [1, 2.5, None]}, engine=engine)
    assert (frame.kinds, frame["x"]) == ({"x": "float"}, [1.0, 2.5, None])


def test_to_markdown_right_aligns_numbers_and_escapes_pipes():
    frame = DataTableFrame({"name": ["a|b"], "x": [0.123456789]})
    assert frame.to_markdown() == "| name | x |\n| --- | ---: |\n| a\\|b | 0.123457 |"
