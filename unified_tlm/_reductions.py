"""Reductions over an axis: sum, mean, var, std, max, min, argmax, norm, l2_normalize.

numpy semantics with these choices:

- results are floats (``sum([[1, 2, 3], [4, 5, 6]]) == 21.0``); ``argmax`` gives ints;
- sums are exactly rounded (``math.fsum``), so they may differ from numpy's pairwise
  sums in the last bits;
- ``mean``/``var``/``std`` of an empty slice raise ``ValueError`` (numpy warns and
  gives nan), and so does ``var``/``std`` with ``ddof`` >= the number of values;
- a scalar accepts axis 0/-1 in ``sum``/``max``/``min``/``argmax`` (numpy's ufunc
  reductions do) but not in ``mean``/``var``/``std`` (numpy refuses there too);
- ``max``/``min``/``argmax`` of an empty slice raise ``ValueError`` as in numpy; a nan
  wins (``max([1, nan]) is nan``, ``argmax`` points at the first nan), as in numpy.

The functions carry private names (``_sum``, ``_max`` ...): the public names ``sum``,
``max`` and ``min`` are bound only in :mod:`unified_tlm.ops`, and nothing in this
package calls a bare ``sum(``/``max(``/``min(`` -- the built-ins are ``builtins.sum``.
"""

from __future__ import annotations

import builtins
import math
import numbers
from typing import Any, overload

from unified_tlm._core import (
    Array,
    ArrayLike,
    Matrix,
    Vector,
    columns,
    flat,
    fsum,
    normalize_axis,
    parse,
    reduce_along,
)
from unified_tlm._elementwise import divide


@overload
def _sum(x: ArrayLike, axis: None = None) -> float: ...
@overload
def _sum(x: ArrayLike, axis: int) -> float | Vector: ...


def _sum(x: ArrayLike, axis: int | None = None) -> float | Vector:
    """Sum of all values (``axis=None``), of each column (``axis=0``) or row (``axis=1``).

    >>> _sum([[1, 2, 3], [4, 5, 6]]), _sum([[1, 2, 3], [4, 5, 6]], axis=0)
    (21.0, [5.0, 7.0, 9.0])
    """
    return reduce_along(x, axis, fsum, "sum", scalar_axis=True)


def _mean_of(values: Vector, op: str = "mean") -> float:
    if not values:
        raise ValueError(f"{op}: the mean of an empty array is undefined")
    return fsum(values) / len(values)


@overload
def _mean(x: ArrayLike, axis: None = None) -> float: ...
@overload
def _mean(x: ArrayLike, axis: int) -> float | Vector: ...


def _mean(x: ArrayLike, axis: int | None = None) -> float | Vector:
    """Arithmetic mean over ``axis`` (None, 0, 1 or negative); empty input raises ValueError.

    >>> _mean([[1, 2, 3], [4, 5, 6]]), _mean([[1, 2, 3], [4, 5, 6]], 0)
    (3.5, [2.5, 3.5, 4.5])
    """
    return reduce_along(x, axis, _mean_of, "mean")


def _check_ddof(ddof: Any, op: str) -> float:
    if isinstance(ddof, bool) or not isinstance(ddof, numbers.Real) or ddof < 0:
        raise ValueError(f"{op}: ddof must be a non-negative number, got {ddof!r}")
    return float(ddof)


def _var_of(values: Vector, ddof: float, op: str) -> float:
    mu = _mean_of(values, op)
    if len(values) - ddof <= 0:
        raise ValueError(f"{op}: ddof={ddof:g} leaves no degrees of freedom "
                         f"for {len(values)} value(s)")
    return fsum((v - mu) * (v - mu) for v in values) / (len(values) - ddof)


@overload
def _var(x: ArrayLike, axis: None = None, ddof: float = 0) -> float: ...
@overload
def _var(x: ArrayLike, axis: int, ddof: float = 0) -> float | Vector: ...


def _var(x: ArrayLike, axis: int | None = None, ddof: float = 0) -> float | Vector:
    """Variance over ``axis``: population variance by default, ``ddof=1`` for the sample.

    >>> _var([[1, 2, 3], [4, 5, 6]])
    2.9166666666666665
    """
    d = _check_ddof(ddof, "var")
    return reduce_along(x, axis, lambda vals: _var_of(vals, d, "var"), "var")


@overload
def _std(x: ArrayLike, axis: None = None, ddof: float = 0) -> float: ...
@overload
def _std(x: ArrayLike, axis: int, ddof: float = 0) -> float | Vector: ...


def _std(x: ArrayLike, axis: int | None = None, ddof: float = 0) -> float | Vector:
    """Standard deviation over ``axis`` (the square root of :func:`_var`)."""
    d = _check_ddof(ddof, "std")
    return reduce_along(x, axis, lambda vals: math.sqrt(_var_of(vals, d, "std")), "std")


def _extreme(values: Vector, pick: Any, op: str) -> float:
    if not values:
        raise ValueError(f"{op}: zero-size array has no {op}imum")
    if builtins.any(math.isnan(v) for v in values):
        return math.nan
    return pick(values)


@overload
def _max(x: ArrayLike, axis: None = None) -> float: ...
@overload
def _max(x: ArrayLike, axis: int) -> float | Vector: ...


def _max(x: ArrayLike, axis: int | None = None) -> float | Vector:
    """Largest value over ``axis``; nan if a nan is present; empty input raises ValueError."""
    return reduce_along(x, axis, lambda vals: _extreme(vals, builtins.max, "max"), "max",
                        scalar_axis=True)


@overload
def _min(x: ArrayLike, axis: None = None) -> float: ...
@overload
def _min(x: ArrayLike, axis: int) -> float | Vector: ...


def _min(x: ArrayLike, axis: int | None = None) -> float | Vector:
    """Smallest value over ``axis``; nan if a nan is present; empty input raises ValueError."""
    return reduce_along(x, axis, lambda vals: _extreme(vals, builtins.min, "min"), "min",
                        scalar_axis=True)


def _argmax_of(values: Vector) -> int:
    if not values:
        raise ValueError("argmax: attempt to get the argmax of an empty sequence")
    for i, v in enumerate(values):
        if math.isnan(v):
            return i
    return builtins.max(range(len(values)), key=values.__getitem__)


@overload
def _argmax(x: ArrayLike, axis: None = None) -> int: ...
@overload
def _argmax(x: ArrayLike, axis: int) -> int | list[int]: ...


def _argmax(x: ArrayLike, axis: int | None = None) -> int | list[int]:
    """Index of the largest value (the first one on ties, the first nan if any).

    With ``axis=None`` a matrix is searched in row-major order, as in numpy.

    >>> _argmax([3, 9, 2])
    1
    """
    return reduce_along(x, axis, _argmax_of, "argmax", scalar_axis=True)


def _norm_of(values: Vector) -> float:
    return math.sqrt(fsum(v * v for v in values))


@overload
def _norm(x: ArrayLike, axis: None = None) -> float: ...
@overload
def _norm(x: ArrayLike, axis: int) -> float | Vector: ...


def _norm(x: ArrayLike, axis: int | None = None) -> float | Vector:
    """Euclidean (2-) norm; of all values (Frobenius for a matrix) when ``axis`` is None."""
    return reduce_along(x, axis, _norm_of, "norm")


def _l2_normalize(x: ArrayLike, axis: int | None = -1, eps: float = 1e-12) -> Array:
    """Divide ``x`` by its 2-norm along ``axis`` (default: last axis), at least ``eps``.

    Each slice becomes ``slice / max(norm(slice), eps)``, so an all-zero slice stays
    zero instead of dividing by zero. ``axis=None`` uses the norm of all values.

    >>> _l2_normalize([3, 4])
    [0.6, 0.8]
    """
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps >= 0:
        raise ValueError(f"l2_normalize: eps must be a non-negative number, got {eps!r}")
    ndim, data = parse(x)
    ax = normalize_axis(axis, builtins.max(ndim, 1), "l2_normalize")
    if ndim == 0:
        return divide(data, builtins.max(abs(data), eps))
    if ax is None or ndim == 1:
        scale = builtins.max(_norm_of(flat(ndim, data)), eps)
        if ndim == 1:
            return [divide(v, scale) for v in data]
        return [[divide(v, scale) for v in row] for row in data]
    matrix: Matrix = data
    if ax == 1:
        scales = [builtins.max(_norm_of(row), eps) for row in matrix]
        return [[divide(v, scales[i]) for v in row] for i, row in enumerate(matrix)]
    col_scales = [builtins.max(_norm_of(col), eps) for col in columns(matrix)]
    return [[divide(v, col_scales[j]) for j, v in enumerate(row)] for row in matrix]
