"""Property tests: every TLM op against numpy as the oracle.

Inputs are scalars, vectors (0 to 8 values) and matrices (1 to 4 rows, 0 to 5
columns, so 1x1, 1xn, nx1 and 1x0 all occur) of ints in +-1e9 or floats in +-1e12
(negative, large, tiny and -0.0 included), with every axis of the input plus one out
of range. Where numpy raises, the op must raise ``ValueError``; where numpy gives a
value, the op must give the same shape and values.

Tolerance: relative 1e-9, plus an absolute 1e-9 x scale, where scale is the sum of
the absolute input values (their square for var). That absorbs the different
summation order (exactly rounded ``fsum`` here, pairwise in numpy) even under
cancellation; std gets the square root of the var tolerance (|sqrt a - sqrt b| <=
sqrt|a - b|). percentile and median must match numpy exactly: they follow numpy's
arithmetic step for step.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unified_tlm as tlm

REL = 1e-9
ABS_PER_SCALE = 1e-9

ELEMENTS = st.one_of(
    st.integers(-10**9, 10**9),
    st.integers(-3, 3),  # small ints make ties for argmax/max and exact zeros for div
    st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False),
)
SHAPES = st.one_of(
    st.just(()),
    st.tuples(st.integers(0, 8)),
    st.tuples(st.integers(1, 4), st.integers(0, 5)),
)


def filled(shape: tuple[int, ...]) -> st.SearchStrategy[Any]:
    """Arrays (as lists) of exactly ``shape``, each array of one element strategy."""
    def build(elem: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        strategy = elem
        for dim in reversed(shape):
            strategy = st.lists(strategy, min_size=dim, max_size=dim)
        return strategy
    return st.sampled_from(ELEMENTS.original_strategies).flatmap(build)  # type: ignore[attr-defined]


ARRAYS = SHAPES.flatmap(filled)


@st.composite
def array_and_axis(draw: st.DrawFn) -> tuple[Any, int | None]:
    x = draw(ARRAYS)
    ndim = np.ndim(x)
    return x, draw(st.sampled_from([None, *range(-ndim, ndim), ndim]))  # ndim: out of range


def scale(x: Any) -> float:
    return float(np.sum(np.abs(np.asarray(x, dtype=float))))


def assert_close(ours: Any, expected: Any, abs_tol: float, rel: float = REL) -> None:
    expected = np.asarray(expected).tolist()
    assert np.shape(ours) == np.shape(expected), (ours, expected)
    for got, want in zip(np.ravel(np.asarray(ours, dtype=float)), np.ravel(expected), strict=True):
        if math.isnan(want):
            assert math.isnan(got), (ours, expected)
        else:
            assert math.isclose(got, want, rel_tol=rel, abs_tol=abs_tol), (ours, expected)


def quietly(fn: Callable[[], Any]) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def check(ours: Callable[[], Any], numpy: Callable[[], Any], abs_tol: float,
          rel: float = REL) -> None:
    """Where numpy raises, ours raises ValueError; otherwise they agree within tolerance."""
    try:
        expected = quietly(numpy)
    except (ValueError, IndexError):  # numpy's AxisError is both
        with pytest.raises(ValueError):
            ours()
        return
    assert_close(ours(), expected, abs_tol, rel)


def has_empty_slice(x: Any, axis: int | None) -> bool:
    """True when reducing ``x`` over ``axis`` meets an empty slice (the mean of nothing)."""
    shape = np.shape(x)
    if axis is None:
        return math.prod(shape) == 0
    if not -len(shape) <= axis < len(shape):
        return False
    rest = math.prod(d for i, d in enumerate(shape) if i != axis % len(shape))
    return shape[axis] == 0 and rest > 0


@given(array_and_axis())
def test_sum_matches_numpy_on_every_axis(case):
    x, axis = case
    check(lambda: tlm.sum(x, axis), lambda: np.sum(x, axis=axis), ABS_PER_SCALE * scale(x))


@given(array_and_axis())
def test_mean_matches_numpy_and_refuses_empty_slices(case):
    x, axis = case
    if has_empty_slice(x, axis):
        with pytest.raises(ValueError, match="empty"):
            tlm.mean(x, axis)
        return
    check(lambda: tlm.mean(x, axis), lambda: np.mean(x, axis=axis), ABS_PER_SCALE * scale(x))


@given(array_and_axis(), st.sampled_from([0, 1]))
def test_var_matches_numpy_with_population_and_sample_ddof(case, ddof):
    x, axis = case
    shape = np.shape(x)
    n = math.prod(shape) if axis is None or not -len(shape) <= axis < len(shape) else shape[axis]
    if has_empty_slice(x, axis) or (n <= ddof and math.prod(shape) > 0):
        with pytest.raises(ValueError):
            tlm.var(x, axis, ddof=ddof)
        return
    tol = ABS_PER_SCALE * scale(x) ** 2
    check(lambda: tlm.var(x, axis, ddof=ddof), lambda: np.var(x, axis=axis, ddof=ddof), tol)
    std_tol = math.sqrt(tol)
    check(lambda: tlm.std(x, axis, ddof=ddof), lambda: np.std(x, axis=axis, ddof=ddof), std_tol)


@pytest.mark.parametrize(("ours", "theirs"), [(tlm.max, np.max), (tlm.min, np.min),
                                              (tlm.amax, np.amax), (tlm.amin, np.amin)])
@given(case=array_and_axis())
def test_max_and_min_match_numpy_including_errors_on_empty_input(ours, theirs, case):
    x, axis = case
    check(lambda: ours(x, axis), lambda: theirs(x, axis=axis), 0.0, rel=0.0)


@given(array_and_axis())
def test_argmax_matches_numpy_and_picks_the_first_of_ties(case):
    x, axis = case
    check(lambda: tlm.argmax(x, axis), lambda: np.argmax(x, axis=axis), 0.0, rel=0.0)


@given(array_and_axis())
def test_norm_matches_numpy_linalg_norm(case):
    x, axis = case
    check(lambda: tlm.norm(x, axis), lambda: np.linalg.norm(np.asarray(x, dtype=float), axis=axis),
          ABS_PER_SCALE * scale(x))


@given(array_and_axis(), st.sampled_from([1e-12, 0.5, 1e6]))
def test_l2_normalize_divides_by_the_norm_floored_at_eps(case, eps):
    x, axis = case
    ndim = max(np.ndim(x), 1)

    def numpy_formula() -> Any:
        arr = np.asarray(x, dtype=float)
        if not -ndim <= (axis if axis is not None else 0) < ndim:
            raise ValueError("axis out of range")
        norms = np.sqrt(np.sum(arr * arr, axis=axis, keepdims=True))
        return arr / np.maximum(norms, eps)

    check(lambda: tlm.l2_normalize(x, axis, eps=eps), numpy_formula, 1e-9)


@st.composite
def broadcast_pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    shape_a = draw(SHAPES)
    if draw(st.booleans()):
        shape_b = draw(SHAPES)  # mostly incompatible: both must refuse
    else:
        shape_b = tuple(draw(st.sampled_from([d, 1])) for d in shape_a)
        shape_b = shape_b[draw(st.integers(0, len(shape_b))):]
    a, b = draw(filled(shape_a)), draw(filled(shape_b))
    return (b, a) if draw(st.booleans()) else (a, b)


@pytest.mark.parametrize(("ours", "theirs"), [(tlm.add, np.add), (tlm.sub, np.subtract),
                                              (tlm.mul, np.multiply), (tlm.div, np.divide)])
@given(pair=broadcast_pairs())
def test_binary_ops_broadcast_like_numpy(ours, theirs, pair):
    a, b = pair
    check(lambda: ours(a, b), lambda: theirs(a, b), 0.0)


@pytest.mark.parametrize(("ours", "theirs"), [(tlm.exp, np.exp), (tlm.log, np.log),
                                              (tlm.sqrt, np.sqrt)])
@given(x=ARRAYS)
def test_unary_ops_match_numpy_including_inf_and_nan(ours, theirs, x):
    check(lambda: ours(x), lambda: theirs(np.asarray(x, dtype=float)), 0.0)


@given(ARRAYS, st.one_of(st.none(), ELEMENTS), st.one_of(st.none(), ELEMENTS))
def test_clip_matches_numpy(x, low, high):
    check(lambda: tlm.clip(x, low, high), lambda: np.clip(x, low, high), 0.0)


@given(ARRAYS)
def test_shape_transpose_and_flatten_match_numpy(x):
    arr = np.asarray(x)
    assert tlm.shape(x) == arr.shape
    assert_close(tlm.transpose(x), arr.T, 0.0)
    assert_close(tlm.flatten(x), arr.flatten(), 0.0)


@st.composite
def reshape_cases(draw: st.DrawFn) -> tuple[Any, tuple[int, ...]]:
    x = draw(ARRAYS)
    size = int(np.size(x))
    divisors = [d for d in range(1, size + 1) if size % d == 0] or [0]
    rows = draw(st.sampled_from(divisors))
    cols = size // rows if rows else draw(st.integers(0, 3))
    shape = draw(st.sampled_from([(rows, cols), (rows, -1), (-1, cols), (size,), (-1,),
                                  (), (rows + 1, cols)]))
    return x, shape


@given(reshape_cases())
def test_reshape_matches_numpy_including_refusals(case):
    x, shape = case
    check(lambda: tlm.reshape(x, shape), lambda: np.reshape(x, shape), 0.0)


@given(st.lists(SHAPES.filter(lambda s: len(s) > 0), min_size=1, max_size=3).flatmap(
    lambda shapes: st.tuples(*[filled(s) for s in shapes])),
    st.sampled_from([None, 0, 1, -1]))
def test_concatenate_matches_numpy_including_refusals(arrays, axis):
    check(lambda: tlm.concatenate(list(arrays), axis),
          lambda: np.concatenate([np.asarray(a, dtype=float) for a in arrays], axis=axis), 0.0)


@st.composite
def product_pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    shape_a = draw(SHAPES)
    shape_b = draw(SHAPES)
    if shape_a and shape_b and draw(st.integers(0, 4)):  # mostly aligned
        shape_b = (shape_a[-1], *shape_b[1:])
    return draw(filled(shape_a)), draw(filled(shape_b))


@pytest.mark.parametrize(("ours", "theirs"), [(tlm.dot, np.dot), (tlm.matmul, np.matmul)])
@given(pair=product_pairs())
def test_dot_and_matmul_match_numpy(ours, theirs, pair):
    a, b = pair
    tol = ABS_PER_SCALE * scale(a) * max(scale(b), 1.0)
    check(lambda: ours(a, b), lambda: theirs(np.asarray(a, dtype=float),
                                             np.asarray(b, dtype=float)), tol)


QS = st.floats(0, 100)


@given(ARRAYS, st.one_of(QS, st.lists(QS, min_size=1, max_size=4)))
def test_percentile_matches_numpy_exactly(x, q):
    if np.size(x) == 0:
        with pytest.raises(ValueError, match="empty"):
            tlm.percentile(x, q)
        return
    assert_close(tlm.percentile(x, q), np.percentile(x, q), 0.0, rel=0.0)


@given(ARRAYS)
def test_median_matches_numpy_exactly(x):
    if np.size(x) == 0:
        with pytest.raises(ValueError, match="empty"):
            tlm.median(x)
        return
    assert_close(tlm.median(x), np.median(x), 0.0, rel=0.0)


def with_nan(x: Any, index: int) -> Any:
    """``x`` with its ``index``-th value (row-major) replaced by nan."""
    flat = np.asarray(x, dtype=float).ravel()
    flat[index] = math.nan
    return flat.reshape(np.shape(x)).tolist()


NAN_CASES = array_and_axis().filter(lambda case: np.size(case[0]) > 0).flatmap(
    lambda case: st.integers(0, np.size(case[0]) - 1).map(
        lambda i: (with_nan(case[0], i), case[1])))
NAN_OPS: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "sum": (tlm.sum, lambda x, ax: np.sum(x, axis=ax)),
    "mean": (tlm.mean, lambda x, ax: np.mean(x, axis=ax)),
    "var": (tlm.var, lambda x, ax: np.var(x, axis=ax)),
    "max": (tlm.max, lambda x, ax: np.max(x, axis=ax)),
    "min": (tlm.min, lambda x, ax: np.min(x, axis=ax)),
    "argmax": (tlm.argmax, lambda x, ax: np.argmax(x, axis=ax)),
    "norm": (tlm.norm, lambda x, ax: np.linalg.norm(np.asarray(x), axis=ax)),
    "clip": (lambda x, _ax: tlm.clip(x, -1, 1), lambda x, _ax: np.clip(x, -1, 1)),
    "median": (lambda x, _ax: tlm.median(x), lambda x, _ax: np.median(x)),
    "percentile": (lambda x, _ax: tlm.percentile(x, [10, 90]),
                   lambda x, _ax: np.percentile(x, [10, 90])),
}


@pytest.mark.parametrize("name", NAN_OPS)
@given(case=NAN_CASES)
def test_nan_propagates_as_in_numpy(name, case):
    x, axis = case
    ours, theirs = NAN_OPS[name]
    if name in ("mean", "var") and has_empty_slice(x, axis):
        return  # numpy warns and gives nan where these raise (tested above)
    size = scale(np.nan_to_num(np.asarray(x, dtype=float), nan=0.0))
    check(lambda: ours(x, axis), lambda: theirs(x, axis), ABS_PER_SCALE * max(size, size**2))


GARBAGE = st.recursive(
    st.none() | st.booleans() | st.integers(-50, 50) | st.just(10**400) | st.floats()
    | st.text(max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner),
    max_leaves=8,
)
CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "sum": tlm.sum, "mean": tlm.mean, "var": tlm.var, "std": tlm.std, "max": tlm.max,
    "min": tlm.min, "argmax": tlm.argmax, "norm": tlm.norm, "l2_normalize": tlm.l2_normalize,
    "add": tlm.add, "div": tlm.div, "dot": tlm.dot, "matmul": tlm.matmul,
    "clip": lambda x, y: tlm.clip(x, y, None), "reshape": tlm.reshape,
    "concatenate": lambda x, y: tlm.concatenate([x, x], y), "percentile": tlm.percentile,
    "exp": lambda x, _y: tlm.exp(x), "transpose": lambda x, _y: tlm.transpose(x),
    "zeros": lambda x, _y: tlm.zeros(x), "eye": lambda x, y: tlm.eye(x, k=y),
    "median": lambda x, _y: tlm.median(x),
}


@pytest.mark.parametrize("name", CALLS)
@given(x=GARBAGE, y=GARBAGE)
def test_bad_input_raises_value_error_and_never_another_exception(name, x, y):
    try:
        quietly(lambda: CALLS[name](x, y))
    except ValueError as exc:
        assert str(exc)
