"""Validation, shapes and axes: what every TLM op does before it computes.

Values are scalars (``int``/``float``), vectors (flat lists) or matrices (lists of
equal-length lists); tuples and objects with a ``tolist()`` method (numpy arrays) are
accepted too. :func:`parse` turns any of them into ``(ndim, data)`` where ``data`` is a
fresh ``float``, ``list[float]`` or ``list[list[float]]``; every op works on that.

Choices written down here (where numpy itself is not the answer):

- ``bool`` values count as 1.0 / 0.0, as in numpy (``mean([True, False]) == 0.5``);
- anything else that is not a real number (``str``, ``None``, ...) raises ``ValueError``
  naming the position of the bad value;
- only 0, 1 and 2 dimensions exist: a list nested three deep raises ``ValueError``;
- ``[]`` is the empty vector, ``[[]]`` a 1 x 0 matrix. A matrix with no rows cannot be
  written as lists, exactly as numpy's ``tolist()`` gives ``[]`` for shape ``(0, n)``.

The built-ins ``sum``/``max``/``min`` are always reached as ``builtins.sum`` and so on:
the public package exports functions with those names, and shadowing them inside the
package was the original "mean bug".
"""

from __future__ import annotations

import builtins
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

Vector: TypeAlias = list[float]
Matrix: TypeAlias = list[list[float]]
Array: TypeAlias = float | Vector | Matrix
"""What the ops return: a float, a list of floats, or a list of lists of floats."""
ArrayLike: TypeAlias = Any
"""What the ops accept: a real number, a (nested) list/tuple of them, or a numpy array."""

_SEQUENCES = (list, tuple)


def to_number(value: Any, where: str) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` saying where it was found."""
    if isinstance(value, numbers.Real):  # bool is Real too: True -> 1.0, like numpy
        try:
            return float(value)
        except OverflowError:
            raise ValueError(f"{where}: the integer {value} is too large for a float") from None
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    raise ValueError(f"{where}: {shown} ({type(value).__name__}) is not a number")


def _unwrap(x: Any) -> Any:
    """Turn numpy arrays and numpy scalars into plain Python values."""
    if not isinstance(x, _SEQUENCES) and hasattr(x, "tolist"):
        return x.tolist()
    return x


def parse(x: ArrayLike, name: str = "x") -> tuple[int, Any]:
    """Validate ``x`` and return ``(ndim, data)`` with every number converted to float.

    Raises ``ValueError`` for ragged matrices, more than two dimensions, strings and
    non-numeric values; the message names ``name`` and the position of the problem.
    """
    x = _unwrap(x)
    if isinstance(x, (str, bytes)):
        raise ValueError(f"{name}: expected a number, vector or matrix, got {type(x).__name__}")
    if not isinstance(x, _SEQUENCES):
        return 0, to_number(x, name)
    items = [_unwrap(item) for item in x]
    is_row = [isinstance(item, _SEQUENCES) for item in items]
    if not builtins.any(is_row):
        return 1, [to_number(v, f"{name}[{i}]") for i, v in enumerate(items)]
    if not builtins.all(is_row):
        first = is_row.index(False)
        raise ValueError(f"{name}: mixes rows and numbers (element [{first}] is not a row)")
    width = len(items[0])
    matrix: Matrix = []
    for i, row in enumerate(items):
        if len(row) != width:
            raise ValueError(f"{name}: ragged matrix, row 0 has {width} values "
                             f"but row {i} has {len(row)}")
        parsed: Vector = []
        for j, v in enumerate(row):
            v = _unwrap(v)
            if isinstance(v, _SEQUENCES):
                raise ValueError(f"{name}[{i}][{j}]: only vectors and matrices are supported, "
                                 "not 3 or more dimensions")
            parsed.append(to_number(v, f"{name}[{i}][{j}]"))
        matrix.append(parsed)
    return 2, matrix


def shape_of(ndim: int, data: Any) -> tuple[int, ...]:
    """The numpy shape of already parsed data."""
    if ndim == 0:
        return ()
    if ndim == 1:
        return (len(data),)
    return (len(data), len(data[0]))


def normalize_axis(axis: Any, ndim: int, op: str) -> int | None:
    """Return ``axis`` as 0 or 1 (or None), accepting negative axes like numpy.

    Raises ``ValueError`` naming ``op`` for a non-integer axis or one out of range.
    """
    if axis is None:
        return None
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"{op}: axis must be None or an integer, got {axis!r}")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        what = {0: "a scalar", 1: "a vector"}.get(ndim, "a matrix")
        raise ValueError(f"{op}: axis {axis} is out of range for {what} (ndim {ndim})")
    return axis % ndim


def flat(ndim: int, data: Any) -> Vector:
    """All values of parsed data in row-major order, as a new list."""
    if ndim == 0:
        return [data]
    if ndim == 1:
        return list(data)
    return [v for row in data for v in row]


def columns(matrix: Matrix) -> Matrix:
    """The columns of a (non-ragged) matrix; ``[]`` for a matrix with no columns."""
    return [list(col) for col in zip(*matrix, strict=True)] if matrix else []


def reduce_along(x: ArrayLike, axis: Any, fn: Callable[[Vector], Any], op: str,
                 scalar_axis: bool = False) -> Any:
    """Apply ``fn`` to the slices of ``x`` picked by ``axis``, numpy style.

    ``axis=None`` reduces everything to one value; on a matrix ``axis=0`` gives one
    value per column and ``axis=1`` one per row. ``fn`` decides what an empty slice
    gives (it may raise ``ValueError``). ``scalar_axis`` lets a scalar take axis 0/-1,
    as numpy's ufunc reductions (sum, max, min) and argmax do while mean/var refuse.
    """
    ndim, data = parse(x)
    ax = normalize_axis(axis, 1 if ndim == 0 and scalar_axis else ndim, op)
    if ax is None or ndim == 0:
        return fn(flat(ndim, data))
    if ndim == 1:
        return fn(data)
    return [fn(col) for col in columns(data)] if ax == 0 else [fn(row) for row in data]


def fsum(values: Iterable[float]) -> float:
    """Accurate float sum that overflows to +-inf and gives nan like numpy, never raises."""
    vals = list(values)
    try:
        return math.fsum(vals)
    except OverflowError:  # an intermediate sum overflowed: numpy gives +-inf as well
        return float(builtins.sum(vals))
    except ValueError:  # inf + -inf
        return math.nan


def as_shape(shape: Any, op: str) -> tuple[int, ...]:
    """Validate a shape argument (an int or a sequence of at most two ints)."""
    dims = (shape,) if isinstance(shape, numbers.Integral) and not isinstance(shape, bool) \
        else shape
    if not isinstance(dims, Sequence) or isinstance(dims, (str, bytes)) or len(dims) > 2:
        raise ValueError(f"{op}: shape must be an int or a tuple of at most 2 ints, "
                         f"got {shape!r}")
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise ValueError(f"{op}: shape entries must be integers, got {shape!r}")
        if builtins.abs(int(d)) > sys.maxsize:
            raise ValueError(f"{op}: dimension {d} exceeds the maximum size {sys.maxsize}")
    return tuple(int(d) for d in dims)


def build(shape: tuple[int, ...], value_at: Callable[[int, int], float]) -> Array:
    """Make an array of ``shape`` (0, 1 or 2 dims) whose element (i, j) is ``value_at``."""
    if not shape:
        return value_at(0, 0)
    if len(shape) == 1:
        return [value_at(0, j) for j in range(shape[0])]
    rows, cols = shape
    return [[value_at(i, j) for j in range(cols)] for i in range(rows)]
