"""The public TLM numeric ops: a pure-Python, numpy-like API (no numpy at run time).

Scalars, vectors (flat lists) and matrices (lists of equal-length lists) go in; floats,
lists of floats and lists of lists of floats come out. Every reduction follows numpy
for ``axis`` None, 0, 1 (and negative axes); bad input -- a ragged matrix, an axis out
of range, the mean of nothing, a value that is not a number -- raises ``ValueError``
whose message names the problem.

>>> M = [[1, 2, 3], [4, 5, 6]]
>>> sum(M), sum(M, axis=0), sum(M, 1), mean(M), argmax([3, 9, 2])
(21.0, [5.0, 7.0, 9.0], [6.0, 15.0], 3.5, 1)

This module is the ONLY place that binds the names ``sum``, ``max`` and ``min`` (and
it contains no function bodies). The implementations live under private names in the
private modules and reach the built-ins through ``builtins``: the legacy module
shadowed ``sum`` inside itself and every reduction that called it broke ("the mean
bug"); ``suites/regression/test_tlm_mean_bug.py`` pins that this cannot come back.
"""

from __future__ import annotations

from unified_tlm._core import Array, ArrayLike, Matrix, Vector
from unified_tlm._elementwise import (
    _add,
    _array,
    _clip,
    _div,
    _exp,
    _eye,
    _log,
    _mul,
    _ones,
    _sqrt,
    _sub,
    _zeros,
)
from unified_tlm._reductions import (
    _argmax,
    _l2_normalize,
    _max,
    _mean,
    _min,
    _norm,
    _std,
    _sum,
    _var,
)
from unified_tlm._shapes import (
    _concatenate,
    _dot,
    _flatten,
    _matmul,
    _reshape,
    _shape,
    _transpose,
)
from unified_tlm._stats import _median, _percentile

__all__ = [
    "Array", "ArrayLike", "Matrix", "Vector",
    "shape", "array", "zeros", "ones", "eye",
    "add", "sub", "mul", "div", "exp", "log", "sqrt", "clip",
    "sum", "asum", "mean", "var", "std", "max", "amax", "min", "amin", "argmax",
    "transpose", "dot", "matmul", "norm", "l2_normalize",
    "flatten", "reshape", "concatenate", "median", "percentile",
]

shape = _shape
array = _array
zeros = _zeros
ones = _ones
eye = _eye
add = _add
sub = _sub
mul = _mul
div = _div
exp = _exp
log = _log
sqrt = _sqrt
clip = _clip
sum = asum = _sum  # noqa: A001 - public numpy-like name; never called inside the package
mean = _mean
var = _var
std = _std
max = amax = _max  # noqa: A001 - see above
min = amin = _min  # noqa: A001 - see above
argmax = _argmax
transpose = _transpose
dot = _dot
matmul = _matmul
norm = _norm
l2_normalize = _l2_normalize
flatten = _flatten
reshape = _reshape
concatenate = _concatenate
median = _median
percentile = _percentile
