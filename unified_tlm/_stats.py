"""Order statistics for the metrics layer: median and percentile of all values.

Both follow numpy's defaults (``np.median``, ``np.percentile`` with the 'linear'
method, ``axis=None``) step for step, so they agree with numpy to the last bit:
the virtual index of ``q`` is ``(n - 1) * (q / 100)`` and the two neighbours are
blended with numpy's ``_lerp`` formula. A nan anywhere makes the result nan, as in
numpy. Empty input raises ``ValueError`` (numpy warns and gives nan).
"""

from __future__ import annotations

import builtins
import math
import numbers
from collections.abc import Sequence
from typing import Any, cast, overload

from unified_tlm._core import ArrayLike, Vector, flat, parse


def _sorted_values(values: ArrayLike, op: str) -> Vector | None:
    """All values sorted; None when a nan is present (the answer is then nan)."""
    ndim, data = parse(values, f"{op}: values")
    vals = flat(ndim, data)
    if not vals:
        raise ValueError(f"{op}: the {op} of an empty array is undefined")
    return None if builtins.any(math.isnan(v) for v in vals) else sorted(vals)


def _lerp(a: float, b: float, t: float) -> float:
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def _quantile_of_sorted(vals: Vector, quantile: float) -> float:
    n = len(vals)
    virtual = (n - 1) * quantile
    if virtual >= n - 1:
        return vals[-1]
    below = math.floor(virtual)
    return _lerp(vals[below], vals[below + 1], virtual - below)


def _check_q(q: Any) -> float:
    if isinstance(q, bool) or not isinstance(q, numbers.Real) or not 0 <= cast(float, q) <= 100:
        raise ValueError(f"percentile: q must be a number between 0 and 100, got {q!r}")
    return float(q)


@overload
def _percentile(values: ArrayLike, q: float) -> float: ...
@overload
def _percentile(values: ArrayLike, q: Sequence[float]) -> list[float]: ...


def _percentile(values: ArrayLike, q: Any) -> float | list[float]:
    """The ``q``-th percentile (0..100) of all values, numpy's 'linear' interpolation.

    ``q`` may be a single number (gives a float) or a list/tuple (gives a list).

    >>> _percentile([1, 2, 3, 4], 50), _percentile([1, 2, 3, 4], [0, 25, 100])
    (2.5, [1.0, 1.75, 4.0])
    """
    many = isinstance(q, (list, tuple))
    qs = [_check_q(p) for p in q] if many else [_check_q(q)]
    vals = _sorted_values(values, "percentile")
    results = [math.nan if vals is None else _quantile_of_sorted(vals, p / 100) for p in qs]
    return results if many else results[0]


def _median(values: ArrayLike) -> float:
    """The median of all values: the middle one, or the mean of the two middle ones.

    >>> _median([3, 1, 2]), _median([4, 1, 3, 2])
    (2.0, 2.5)
    """
    vals = _sorted_values(values, "median")
    if vals is None:
        return math.nan
    mid = len(vals) // 2
    if len(vals) % 2:
        return vals[mid]
    return (vals[mid - 1] + vals[mid]) / 2
