"""Array creation and element-wise arithmetic with numpy broadcasting.

Division by zero, ``exp`` overflow, ``log`` of 0 or of a negative number and ``sqrt``
of a negative number give ``inf``/``nan`` exactly as numpy does (without numpy's
warning) instead of raising. Results are always floats.
"""

from __future__ import annotations

import builtins
import math
import numbers
from collections.abc import Callable
from typing import Any

from unified_tlm._core import Array, ArrayLike, Matrix, as_shape, build, parse, shape_of


def _array(x: ArrayLike) -> Array:
    """Validate ``x`` and return a float copy of it (a scalar, vector or matrix)."""
    return parse(x)[1]


def _full_shape(shape: Any, op: str) -> tuple[int, ...]:
    dims = as_shape(shape, op)
    if any(d < 0 for d in dims):
        raise ValueError(f"{op}: negative dimensions are not allowed, got {shape!r}")
    return dims


def _full(shape: Any, value: float, op: str) -> Array:
    return build(_full_shape(shape, op), lambda _i, _j: value)


def _zeros(shape: Any) -> Array:
    """An array of 0.0 with ``shape`` (an int, ``(n,)`` or ``(rows, cols)``)."""
    return _full(shape, 0.0, "zeros")


def _ones(shape: Any) -> Array:
    """An array of 1.0 with ``shape`` (an int, ``(n,)`` or ``(rows, cols)``)."""
    return _full(shape, 1.0, "ones")


def _eye(n: int, m: int | None = None, k: int = 0) -> Matrix:
    """An ``n`` x ``m`` matrix (``m`` defaults to ``n``) with ones on diagonal ``k``."""
    rows, cols = _full_shape((n, n if m is None else m), "eye")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise ValueError(f"eye: k must be an integer, got {k!r}")
    return [[1.0 if j - i == k else 0.0 for j in range(cols)] for i in range(rows)]


def _as_2d(ndim: int, data: Any) -> Matrix:
    if ndim == 0:
        return [[data]]
    if ndim == 1:
        return [data]
    return data


def _broadcast_dim(a: int, b: int, problem: str) -> int:
    if a == b or b == 1:
        return a
    if a == 1:
        return b
    raise ValueError(problem)


def _binary(a: ArrayLike, b: ArrayLike, fn: Callable[[float, float], float], op: str) -> Array:
    """Apply ``fn`` element by element after numpy broadcasting of ``a`` and ``b``."""
    nda, da = parse(a, f"{op}: a")
    ndb, db = parse(b, f"{op}: b")
    ma, mb = _as_2d(nda, da), _as_2d(ndb, db)
    problem = (f"{op}: operands could not be broadcast together with shapes "
               f"{shape_of(nda, da)} and {shape_of(ndb, db)}")
    rows = _broadcast_dim(len(ma), len(mb), problem)
    cols = _broadcast_dim(len(ma[0]), len(mb[0]), problem)

    def pick(m: Matrix, i: int, j: int) -> float:
        return m[i if len(m) > 1 else 0][j if len(m[0]) > 1 else 0]

    out = [[fn(pick(ma, i, j), pick(mb, i, j)) for j in range(cols)] for i in range(rows)]
    ndim = builtins.max(nda, ndb)
    if ndim == 0:
        return out[0][0]
    return out[0] if ndim == 1 else out


def _unary(x: ArrayLike, fn: Callable[[float], float], op: str) -> Array:
    """Apply ``fn`` to every element of ``x``, keeping its shape."""
    ndim, data = parse(x, f"{op}: x")
    if ndim == 0:
        return fn(data)
    if ndim == 1:
        return [fn(v) for v in data]
    return [[fn(v) for v in row] for row in data]


def divide(a: float, b: float) -> float:
    """``a / b`` with numpy's answers for a zero divisor: +-inf, or nan for 0/0."""
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _exp_one(v: float) -> float:
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def _log_one(v: float) -> float:
    if v == 0:
        return -math.inf
    return math.nan if v < 0 or math.isnan(v) else math.log(v)


def _sqrt_one(v: float) -> float:
    return math.nan if v < 0 or math.isnan(v) else math.sqrt(v)


def maximum(a: float, b: float) -> float:
    """The larger of two floats; nan if either is nan (numpy's ``maximum``)."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return a if a >= b else b


def minimum(a: float, b: float) -> float:
    """The smaller of two floats; nan if either is nan (numpy's ``minimum``)."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return a if a <= b else b


def _add(a: ArrayLike, b: ArrayLike) -> Array:
    """Element-wise ``a + b`` with numpy broadcasting."""
    return _binary(a, b, lambda p, q: p + q, "add")


def _sub(a: ArrayLike, b: ArrayLike) -> Array:
    """Element-wise ``a - b`` with numpy broadcasting."""
    return _binary(a, b, lambda p, q: p - q, "sub")


def _mul(a: ArrayLike, b: ArrayLike) -> Array:
    """Element-wise ``a * b`` with numpy broadcasting."""
    return _binary(a, b, lambda p, q: p * q, "mul")


def _div(a: ArrayLike, b: ArrayLike) -> Array:
    """Element-wise ``a / b`` with numpy broadcasting; x/0 gives +-inf and 0/0 nan."""
    return _binary(a, b, divide, "div")


def _exp(x: ArrayLike) -> Array:
    """Element-wise e**x; overflow gives inf."""
    return _unary(x, _exp_one, "exp")


def _log(x: ArrayLike) -> Array:
    """Element-wise natural log; log(0) is -inf and log of a negative number nan."""
    return _unary(x, _log_one, "log")


def _sqrt(x: ArrayLike) -> Array:
    """Element-wise square root; the root of a negative number is nan."""
    return _unary(x, _sqrt_one, "sqrt")


def _clip(x: ArrayLike, a_min: ArrayLike | None, a_max: ArrayLike | None) -> Array:
    """Limit the values of ``x`` to ``[a_min, a_max]`` (either bound may be None).

    As in numpy the result is ``minimum(maximum(x, a_min), a_max)``: when
    ``a_min > a_max`` every value becomes ``a_max``; bounds broadcast against ``x``.
    """
    out = _array(x)
    if a_min is not None:
        out = _binary(out, a_min, maximum, "clip")
    if a_max is not None:
        out = _binary(out, a_max, minimum, "clip")
    return out
