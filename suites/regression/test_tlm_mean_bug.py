"""Regression: the TLM "mean bug" (spec section 7).

The legacy module defined public ``sum``/``max``/``min`` and so shadowed the built-ins
inside itself: ``sum(M)``, ``sum(M, axis=0)``, ``mean(M)``, ``var(M)``, ``std(M)``,
``argmax`` and ``l2_normalize`` all broke. The bug came back once after a fix, so each
broken call is pinned here with numpy's exact value for ``M = [[1, 2, 3], [4, 5, 6]]``,
and two guards fail if any function of the package calls a shadowable name.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import unified_tlm as tlm

M = [[1, 2, 3], [4, 5, 6]]
SHADOWABLE = ("sum", "max", "min")
TLM_DIR = Path(tlm.__file__).parent
TLM_MODULES = ["unified_tlm"] + [f"unified_tlm.{m.name}" for m in pkgutil.iter_modules([str(TLM_DIR)])]


def test_sum_of_a_matrix_adds_every_value():
    assert tlm.sum(M) == 21.0


def test_sum_over_axis_0_gives_the_column_sums():
    assert tlm.sum(M, axis=0) == [5.0, 7.0, 9.0]


def test_sum_over_axis_1_gives_the_row_sums():
    assert tlm.sum(M, 1) == [6.0, 15.0]


def test_asum_is_sum_under_its_numpy_name():
    assert tlm.asum(M) == 21.0


def test_mean_of_a_matrix_averages_every_value():
    assert tlm.mean(M) == 3.5


def test_mean_over_axis_0_gives_the_column_means():
    assert tlm.mean(M, 0) == [2.5, 3.5, 4.5]


def test_mean_over_axis_1_gives_the_row_means():
    assert tlm.mean(M, 1) == [2.0, 5.0]


def test_var_of_a_matrix_is_the_population_variance():
    assert tlm.var(M) == 2.9166666666666665  # numpy.var(M), ddof=0


def test_var_with_ddof_1_is_the_sample_variance():
    assert tlm.var(M, ddof=1) == 3.5  # numpy.var(M, ddof=1)


def test_std_of_a_matrix_is_the_root_of_the_variance():
    assert tlm.std(M) == 1.707825127659933  # numpy.std(M)


def test_max_and_min_of_a_matrix_look_at_every_value():
    assert (tlm.max(M), tlm.min(M)) == (6.0, 1.0)


def test_amax_and_amin_reduce_over_an_axis():
    assert (tlm.amax(M, axis=0), tlm.amin(M, axis=1)) == ([4.0, 5.0, 6.0], [1.0, 4.0])


def test_argmax_of_a_vector_is_the_index_of_the_largest_value():
    assert tlm.argmax([3, 9, 2]) == 1


def test_argmax_over_the_last_axis_gives_one_index_per_row():
    assert tlm.argmax(M, axis=-1) == [2, 2]


def test_l2_normalize_divides_a_vector_by_its_norm():
    assert tlm.l2_normalize([3, 4]) == [0.6, 0.8]


def test_l2_normalize_uses_eps_as_the_smallest_divisor_not_as_an_axis():
    assert tlm.l2_normalize([3, 4], eps=10.0) == [0.3, 0.4]


def test_l2_normalize_keeps_a_zero_vector_at_zero():
    assert tlm.l2_normalize([0, 0]) == [0.0, 0.0]


def test_l2_normalize_normalizes_each_row_of_a_matrix_by_default():
    assert tlm.l2_normalize([[3, 4], [0, 5]]) == [[0.6, 0.8], [0.0, 1.0]]


def _bare_calls_of(names: set[str]) -> list[str]:
    found = []
    for path in sorted(TLM_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            for node in ast.walk(func):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in names):
                    found.append(f"{path.name}:{node.lineno} calls bare {node.func.id}()")
    return found


def _builtin_names_bound_at_module_level() -> set[str]:
    bound = set()
    for path in TLM_DIR.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.Assign):
                bound |= {t.id for tgt in node.targets for t in ast.walk(tgt)
                          if isinstance(t, ast.Name)}
            elif isinstance(node, ast.ImportFrom):
                bound |= {alias.asname or alias.name for alias in node.names}
    return {name for name in bound if hasattr(builtins, name)}


def test_no_function_in_the_package_calls_a_bare_sum_max_or_min():
    shadowed = _builtin_names_bound_at_module_level() | set(SHADOWABLE)
    assert _bare_calls_of(shadowed) == []


REDUCTIONS: dict[str, tuple[Callable[[], Any], Any]] = {
    "sum": (lambda: tlm.sum(M), 21.0),
    "sum axis 0": (lambda: tlm.sum(M, 0), [5.0, 7.0, 9.0]),
    "mean": (lambda: tlm.mean(M), 3.5),
    "var": (lambda: tlm.var(M), 2.9166666666666665),
    "std": (lambda: tlm.std(M), 1.707825127659933),
    "max": (lambda: tlm.max(M), 6.0),
    "min": (lambda: tlm.min(M), 1.0),
    "argmax": (lambda: tlm.argmax([3, 9, 2]), 1),
    "l2_normalize": (lambda: tlm.l2_normalize([3, 4], eps=1e-12), [0.6, 0.8]),
    "norm": (lambda: tlm.norm([3, 4]), 5.0),
    "median": (lambda: tlm.median([3, 1, 2]), 2.0),
    "percentile": (lambda: tlm.percentile([1, 2, 3, 4], 50), 2.5),
    "add (broadcast)": (lambda: tlm.add(M, [1, 1, 1]), [[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]),
    "clip": (lambda: tlm.clip([0, 5, 9], 1, 8), [1.0, 5.0, 8.0]),
    "dot": (lambda: tlm.dot([1, 2, 3], [4, 5, 6]), 32.0),
}
_ORIGINALS = {name: getattr(tlm, name) for name in tlm.__all__}


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("a module-level sum/max/min was called instead of the built-in")


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_still_works_when_every_module_level_sum_max_min_raises(monkeypatch, name):
    for module_name in TLM_MODULES:
        module = importlib.import_module(module_name)
        for shadow in SHADOWABLE:
            monkeypatch.setattr(module, shadow, _refuse, raising=False)
    for public, original in _ORIGINALS.items():  # the public names stay callable
        monkeypatch.setattr(tlm, public, original)
    call, expected = REDUCTIONS[name]
    assert call() == expected


def test_importing_the_ops_does_not_import_numpy():
    code = "import sys, unified_tlm; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_ragged_matrix_raises_value_error_saying_ragged():
    with pytest.raises(ValueError, match="ragged matrix, row 0 has 3 values but row 1 has 2"):
        tlm.sum([[1, 2, 3], [4, 5]])


def test_an_axis_out_of_range_raises_value_error_naming_the_axis():
    with pytest.raises(ValueError, match="mean: axis 2 is out of range for a matrix"):
        tlm.mean(M, axis=2)


def test_the_mean_of_an_empty_vector_raises_value_error():
    with pytest.raises(ValueError, match="mean of an empty array is undefined"):
        tlm.mean([])


def test_a_non_numeric_value_raises_value_error_naming_its_position():
    with pytest.raises(ValueError, match=r"x\[1\]\[0\]: 'a' \(str\) is not a number"):
        tlm.var([[1], ["a"]])
