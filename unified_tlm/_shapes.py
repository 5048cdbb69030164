"""Shape and linear-algebra ops: shape, transpose, flatten, reshape, concatenate, dot, matmul.

numpy semantics for up to two dimensions. ``transpose`` of a vector is the vector;
``dot``/``matmul`` of two vectors is their inner product (a float); ``matmul`` refuses
scalars as numpy does. Inner products use exactly rounded sums (``math.fsum``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from unified_tlm._core import (
    Array,
    ArrayLike,
    Matrix,
    Vector,
    as_shape,
    build,
    columns,
    flat,
    fsum,
    normalize_axis,
    parse,
    shape_of,
)
from unified_tlm._elementwise import _mul


def _shape(x: ArrayLike) -> tuple[int, ...]:
    """numpy's shape: ``()`` for a scalar, ``(n,)`` for a vector, ``(rows, cols)``."""
    return shape_of(*parse(x))


def _transpose(x: ArrayLike) -> Array:
    """Swap rows and columns of a matrix; scalars and vectors come back unchanged."""
    ndim, data = parse(x)
    if ndim < 2:
        return data
    return columns(data)


def _flatten(x: ArrayLike) -> Vector:
    """All values as one vector, row by row (a scalar becomes a one-element vector)."""
    return flat(*parse(x))


def _reshape(x: ArrayLike, shape: int | Sequence[int]) -> Array:
    """Give the values of ``x`` (row-major) a new shape; one dimension may be -1.

    ``shape`` is an int, ``(n,)``, ``(rows, cols)`` or ``()`` (a single value to a scalar).
    The total number of values must not change.
    """
    values = flat(*parse(x))
    dims = list(as_shape(shape, "reshape"))
    if any(d < -1 for d in dims) or dims.count(-1) > 1:
        raise ValueError(f"reshape: bad shape {shape!r}: only one -1 and no other "
                         "negative dimension allowed")
    known = math.prod(d for d in dims if d != -1)
    if -1 in dims:
        if known == 0 or len(values) % known:
            raise ValueError(f"reshape: cannot reshape {len(values)} values into shape "
                             f"{tuple(dims)}")
        dims[dims.index(-1)] = len(values) // known
    if math.prod(dims) != len(values):
        raise ValueError(f"reshape: cannot reshape {len(values)} values into shape "
                         f"{tuple(dims)}")
    width = dims[-1] if dims else 1
    return build(tuple(dims), lambda i, j: values[i * width + j])


def _concatenate(arrays: Sequence[ArrayLike], axis: int | None = 0) -> Array:
    """Join vectors, or matrices along ``axis`` (0: stack rows, 1: side by side).

    ``axis=None`` flattens every input first. All inputs must have the same number
    of dimensions and agree on every dimension except ``axis``.
    """
    if isinstance(arrays, (str, bytes)) or not isinstance(arrays, Sequence) or not arrays:
        raise ValueError("concatenate: need a non-empty list of arrays")
    parsed = [parse(a, f"concatenate: arrays[{i}]") for i, a in enumerate(arrays)]
    if axis is None:
        return [v for nd, data in parsed for v in flat(nd, data)]
    ndims = {nd for nd, _ in parsed}
    if 0 in ndims:
        raise ValueError("concatenate: zero-dimensional arrays (scalars) cannot be joined")
    if len(ndims) != 1:
        raise ValueError("concatenate: all arrays must have the same number of dimensions, "
                         f"got {sorted(ndims)}")
    ndim = ndims.pop()
    ax = normalize_axis(axis, ndim, "concatenate")
    if ndim == 1:
        return [v for _, data in parsed for v in data]
    shapes = [shape_of(nd, data) for nd, data in parsed]
    keep = 1 - int(ax or 0)
    if len({s[keep] for s in shapes}) != 1:
        raise ValueError(f"concatenate: along axis {ax} every array needs the same size in "
                         f"dimension {keep}, got shapes {shapes}")
    matrices: list[Matrix] = [data for _, data in parsed]
    if ax == 0:
        return [list(row) for m in matrices for row in m]
    return [[v for m in matrices for v in m[i]] for i in range(shapes[0][0])]


def _inner(a: Vector, b: Vector) -> float:
    return fsum(p * q for p, q in zip(a, b, strict=True))


def _not_aligned(sa: tuple[int, ...], sb: tuple[int, ...], op: str) -> ValueError:
    return ValueError(f"{op}: shapes {sa} and {sb} not aligned: {sa[-1]} (last dim of a) "
                      f"!= {sb[0]} (first dim of b)")


def _dot(a: ArrayLike, b: ArrayLike) -> Array:
    """numpy's ``dot``: scalar product for scalars, inner product of two vectors,
    matrix-vector, vector-matrix and matrix-matrix products otherwise."""
    nda, da = parse(a, "dot: a")
    ndb, db = parse(b, "dot: b")
    if nda == 0 or ndb == 0:
        return _mul(da, db)
    sa, sb = shape_of(nda, da), shape_of(ndb, db)
    if sa[-1] != sb[0]:
        raise _not_aligned(sa, sb, "dot")
    if nda == 1 and ndb == 1:
        return _inner(da, db)
    if nda == 2 and ndb == 1:
        return [_inner(row, db) for row in da]
    cols_b = columns(db)
    if nda == 1:
        return [_inner(da, col) for col in cols_b]
    return [[_inner(row, col) for col in cols_b] for row in da]


def _matmul(a: ArrayLike, b: ArrayLike) -> Array:
    """numpy's ``@`` for vectors and matrices; scalars raise ``ValueError``."""
    for label, value in (("a", a), ("b", b)):
        if parse(value, f"matmul: {label}")[0] == 0:
            raise ValueError(f"matmul: operand {label} is a scalar; use mul for scalars")
    return _dot(a, b)

