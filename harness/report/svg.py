"""Dependency-free inline SVG charts for the dashboard.

:func:`history_chart` draws one line per series over a shared x axis (one slot per
commit): the median as a line with points, the interquartile range as a translucent
band, and a red ring on every point flagged as a regression. The y axis is linear, or
logarithmic when the values span more than :data:`LOG_SPAN`. :func:`ratio_bar` draws a
perf-gate ratio with its IQR against the pair's limit. Every value is escaped; nothing
is fetched from anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["Point", "Series", "history_chart", "ratio_bar", "PALETTE", "scale_unit",
           "nice_ticks"]

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#d62728", "#393b79", "#637939")
LOG_SPAN = 20.0
FLAG = "#d62728"


@dataclass(frozen=True)
class Point:
    """One value at x slot ``x``: median and quartiles; ``flagged`` marks a regression."""

    x: int
    median: float
    q1: float
    q3: float
    flagged: bool = False
    note: str = ""


@dataclass
class Series:
    """A named line of points."""

    name: str
    points: list[Point] = field(default_factory=list)


def scale_unit(largest: float, unit: str = "s") -> tuple[float, str]:
    """``(factor, label)`` showing seconds in s, ms or µs (other units unscaled)."""
    if unit != "s":
        return 1.0, unit
    if largest < 1e-3:
        return 1e6, "µs"
    if largest < 1.0:
        return 1e3, "ms"
    return 1.0, "s"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering ``[low, high]``."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [round(math.floor(low / step) * step, 12)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.3g}"
    return f"{value:.2g}"


class _Axis:
    """Maps data values to pixel rows (linear or log)."""

    def __init__(self, low: float, high: float, top: float, bottom: float, log: bool,
                 zero_based: bool = True) -> None:
        self.log = log and low > 0
        if self.log:
            self.ticks = [10.0 ** e for e in range(math.floor(math.log10(low)),
                                                   math.ceil(math.log10(high)) + 1)]
        else:
            start = min(0.0, low) if zero_based and low > 0 and high / low < 3 else low
            self.ticks = nice_ticks(start, high, 4 if not zero_based else 5)
        self.low, self.high = min(self.ticks[0], low), max(self.ticks[-1], high)
        self.top, self.bottom = top, bottom

    def __call__(self, value: float) -> float:
        if self.log:
            lo, hi, v = math.log10(self.low), math.log10(self.high), math.log10(max(value,
                                                                                     1e-300))
        else:
            lo, hi, v = self.low, self.high, value
        span = (hi - lo) or 1.0
        return self.bottom - (v - lo) / span * (self.bottom - self.top)


def history_chart(title: str, x_labels: Sequence[str], series: Sequence[Series], *,
                  unit: str = "s", width: int = 620, height: int = 280,
                  reference: float | None = None, x_notes: Mapping[int, str] | None = None,
                  zero_based: bool = True, legend: bool = True,
                  flag_label: str = "regression flagged") -> str:
    """An ``<svg>`` line chart (see the module docstring); ``reference`` draws a dashed
    horizontal line (e.g. a limit) in data units. ``zero_based=False`` fits the y axis
    to the data (ratios near 1 stay readable); at most one x label per ~64 px is
    printed (counted back from the newest), every point keeps its full label as a
    tooltip; ``flag_label`` is the tooltip of a ringed point."""
    values = [v for s in series for p in s.points for v in (p.median, p.q1, p.q3) if v > 0]
    if reference is not None:
        values.append(reference)
    if not values or not x_labels:
        return (f'<svg class="chart empty" role="img" width="{width}" height="40">'
                f'<text x="8" y="24">{escape(title)}: no data yet</text></svg>')
    factor, label = scale_unit(max(values), unit)
    left, right, top = 70 if width > 400 else 52, 16, 30
    legend_h = 18 * math.ceil(len(series) / 3) if legend else 0
    bottom = height - 44 - legend_h
    axis = _Axis(min(values) * factor, max(values) * factor, top, bottom,
                 log=max(values) / min(values) > LOG_SPAN, zero_based=zero_based)
    slots = max(len(x_labels), 1)

    inset = 28  # keeps the first and last commit labels inside the frame

    def x_of(index: int) -> float:
        if slots == 1:
            return (left + width - right) / 2
        return left + inset + index * (width - left - right - 2 * inset) / (slots - 1)

    out = [f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" '
           f'xmlns="http://www.w3.org/2000/svg" data-series="{len(series)}">',
           f'<text class="title" x="{left}" y="18">{escape(title)} ({escape(label)}'
           f'{", log scale" if axis.log else ""})</text>',
           f'<rect class="frame" x="{left}" y="{top}" width="{width - left - right}" '
           f'height="{bottom - top}"/>']
    for tick in axis.ticks:
        y = axis(tick)
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" '
                   f'y2="{y:.1f}"/><text class="tick" x="{left - 6}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{_fmt(tick)}</text>')
    every = max(1, math.ceil(slots / max(1, (width - left - right) // 64)))
    for index, text in enumerate(x_labels):
        if (slots - 1 - index) % every:
            continue
        note = (x_notes or {}).get(index, "")
        out.append(f'<text class="tick" x="{x_of(index):.1f}" y="{bottom + 16}" '
                   f'text-anchor="middle">{escape(text)}<title>{escape(note or text)}'
                   f'</title></text>')
    if reference is not None:
        y = axis(reference * factor)
        out.append(f'<line class="limit" x1="{left}" x2="{width - right}" y1="{y:.1f}" '
                   f'y2="{y:.1f}"/>')
    for number, line in enumerate(series):
        color = PALETTE[number % len(PALETTE)]
        points = sorted(line.points, key=lambda p: p.x)
        if not points:
            continue
        upper = [f"{x_of(p.x):.1f},{axis(p.q3 * factor):.1f}" for p in points]
        lower = [f"{x_of(p.x):.1f},{axis(p.q1 * factor):.1f}" for p in reversed(points)]
        if len(points) == 1:  # a band needs width: a short vertical bar instead
            p = points[0]
            out.append(f'<rect class="band" x="{x_of(p.x) - 4:.1f}" y="{axis(p.q3 * factor):.1f}"'
                       f' width="8" height="{max(axis(p.q1 * factor) - axis(p.q3 * factor), 1):.1f}"'
                       f' fill="{color}"/>')
        else:
            out.append(f'<polygon class="band" points="{" ".join(upper + lower)}" '
                       f'fill="{color}"/>')
            path = " ".join(f"{x_of(p.x):.1f},{axis(p.median * factor):.1f}" for p in points)
            out.append(f'<polyline class="median" points="{path}" stroke="{color}"/>')
        for p in points:
            cx, cy = x_of(p.x), axis(p.median * factor)
            tip = (f"{line.name} @ {x_labels[p.x]}: median {_fmt(p.median * factor)} {label} "
                   f"(IQR {_fmt(p.q1 * factor)}–{_fmt(p.q3 * factor)}){p.note}")
            out.append(f'<circle class="point" cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" '
                       f'fill="{color}"><title>{escape(tip)}</title></circle>')
            if p.flagged:
                out.append(f'<circle class="regression" cx="{cx:.1f}" cy="{cy:.1f}" r="8" '
                           f'stroke="{FLAG}"><title>{escape(flag_label)}: {escape(tip)}</title>'
                           f'</circle>')
    for number, line in enumerate(series if legend else ()):
        col, row = number % 3, number // 3
        x, y = left + col * (width - left) / 3, bottom + 34 + row * 18
        color = PALETTE[number % len(PALETTE)]
        out.append(f'<rect x="{x:.1f}" y="{y - 9}" width="12" height="10" fill="{color}"/>'
                   f'<text class="legend" x="{x + 16:.1f}" y="{y}">{escape(line.name)}</text>')
    out.append("</svg>")
    return "".join(out)


def ratio_bar(ratio: float | None, q1: float | None, q3: float | None, limit: float, *,
              failed: bool, width: int = 180, height: int = 22) -> str:
    """A small ``<svg>``: the ratio (dot) with its IQR (whisker) against the limit (red
    line), on a scale from 0 to the largest of them plus a margin."""
    if ratio is None:
        return f'<svg class="ratio empty" width="{width}" height="{height}"></svg>'
    low, high = q1 if q1 is not None else ratio, q3 if q3 is not None else ratio
    top = max(ratio, high, limit) * 1.15
    pad = 6

    def x_of(value: float) -> float:
        return pad + value / top * (width - 2 * pad)

    color = FLAG if failed else "#2ca02c"
    mid = height / 2
    return (f'<svg class="ratio" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
            f'<line x1="{pad}" x2="{width - pad}" y1="{mid}" y2="{mid}" class="axis"/>'
            f'<line x1="{x_of(low):.1f}" x2="{x_of(high):.1f}" y1="{mid}" y2="{mid}" '
            f'stroke="{color}" stroke-width="4"/>'
            f'<line x1="{x_of(limit):.1f}" x2="{x_of(limit):.1f}" y1="2" y2="{height - 2}" '
            f'class="limit-mark"><title>limit {limit:g}</title></line>'
            f'<circle cx="{x_of(ratio):.1f}" cy="{mid}" r="4" fill="{color}">'
            f'<title>ratio {ratio:.3f} (IQR {low:.3f}–{high:.3f}), limit {limit:g}</title>'
            f'</circle></svg>')
