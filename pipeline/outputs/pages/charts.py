"""SVG charts drawn at build time, so the site needs no JavaScript library and no network.

Every chart is one inline `<svg role="img">` with a `<title>` and a short `<desc>` of its figures
(read out by screen readers), a viewBox and width 100% so it scales down to a phone, and Chinese
labels in a CJK font stack; beside it, the whole data as a table that is read out but not shown
(chart_text.py). Colours come from CSS classes (docs/stylesheets/extra.css) so the dark palette
restyles them. Rendering returns strings; nothing here touches the disk.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Sequence
from typing import NamedTuple

from . import chart_text
from .chart_text import fmt as _fmt
from .escape import MAX_LENGTH, xml_text

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
SERIES_CLASSES = ("c1", "c2", "c3", "c4", "c5", "c6", "c7")


class Chart(NamedTuple):
    """A chart: its SVG and the table of its figures. In a page template `{{ chart|safe }}` gives both."""

    svg: str
    table: str

    def __html__(self) -> str:  # markupsafe's protocol: what `|safe` and autoescape insert
        return self.svg + self.table


def _id(kind: str, title: str, extra: str = "") -> str:
    """A stable id for aria references, distinct per chart on a page."""
    return f"{kind}-" + hashlib.sha1(f"{title}|{extra}".encode()).hexdigest()[:10]


def _open(kind: str, title: str, desc: str, width: int, height: int, extra: str = "") -> list[str]:
    cid = _id(kind, title, extra + desc)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{cid}-t {cid}-d" font-family="{FONT}" font-size="13">',
        f'<title id="{cid}-t">{xml_text(title)}</title>',
        f'<desc id="{cid}-d">{xml_text(desc, 2000)}</desc>',
    ]


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (100, 120, 150, 200 …)."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exp >= value:
            return step * exp
    return 10 * exp


def distribution_chart(counts: Sequence[tuple[str, int]], title: str, classes: Sequence[str] | None = None,
                       headers: tuple[str, str] = ("类别", "数量")) -> Chart:
    """Vertical columns of counts per category (the grade distribution), labels underneath.

    `headers`: the data table's two column headers (category, count).
    """
    width, height, left, bottom, top = 420, 200, 20, 32, 22
    n = max(len(counts), 1)
    slot = (width - left - 10) / n
    vmax = max((c for _, c in counts), default=0)
    axis_max = max(vmax, 1)
    plot_h = height - top - bottom
    out = _open("dist", title, chart_text.describe_counts(counts), width, height)
    out.append(f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}"/>')
    for i, (label, count) in enumerate(counts):
        cls = classes[i] if classes and i < len(classes) else SERIES_CLASSES[i % len(SERIES_CLASSES)]
        h = count / axis_max * plot_h
        x = left + i * slot + slot * 0.2
        w = slot * 0.6
        y = height - bottom - h
        out.append(f'<rect class="bar {xml_text(cls)}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="3"/>')
        out.append(f'<text class="value" x="{x + w / 2:.1f}" y="{y - 6:.1f}" text-anchor="middle">{count}</text>')
        out.append(f'<text class="label" x="{x + w / 2:.1f}" y="{height - bottom + 20}" text-anchor="middle">'
                   f'{xml_text(label, 10)}</text>')
    out.append("</svg>")
    return Chart("".join(out), chart_text.counts_table(counts, title, *headers))


# Lines that run together stay apart: each series has its own marker shape and dash pattern and is
# drawn a little thinner than the one before, so a line under another still shows (团队绩效达标率 under
# 培训计划完成率, both at 100). Shapes are paths around (0, 0), placed with a translate.
MARKERS = ("M-4,-4h8v8h-8z", "M0,-5L5,4H-5z", "M0,-5.5L5.5,0L0,5.5L-5.5,0z", "M-4.5,0a4.5,4.5 0 1,0 9,0a4.5,4.5 0 1,0 -9,0z")
DASHES = ("", "9 5", "3 4", "12 4 3 4")
WIDTHS = (4.5, 3.0, 2.0, 1.5)


def _nice_step(raw: float) -> float:
    exp = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= raw:
            return step * exp
    return 10 * exp


def axis_range(values: Sequence[float], min_span: float = 10.0, floor: float | None = 0.0) -> tuple[float, float]:
    """A y range of four round steps around the values, at least `min_span` wide.

    Scores of 107 to 110 on a 0–120 axis are a flat line: the axis starts near the values instead,
    and its tick labels say where. `floor`: the range never goes below it (scores are never negative).
    """
    if not values:
        return 0.0, 100.0
    lo, hi = min(values), max(values)
    if hi - lo < min_span:
        middle = (lo + hi) / 2
        lo, hi = middle - min_span / 2, middle + min_span / 2
    if floor is not None and lo < floor:
        lo, hi = floor, max(hi, floor + min_span)
    step = _nice_step((hi - lo) / 4)
    while True:
        start = math.floor(lo / step) * step
        if start + 4 * step >= hi:
            return start, start + 4 * step
        step = _nice_step(step * 1.01)


def line_chart(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], title: str,
               unit: str = "", y_min: float | None = 0, y_max: float | None = None, decimals: int = 1,
               auto_range: bool = False) -> Chart:
    """Lines over periods, one per (name, values); None leaves a gap. A legend names each line.

    `auto_range`: the y axis spans the values (axis_range) rather than `y_min`..`y_max`.
    """
    width, left, right, top, bottom = 560, 48, 16, 16, 44
    per_row = 2
    legend_h = 28 * math.ceil(len(series) / per_row) if len(series) > 1 else 0
    height = 240 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom - legend_h
    values = [v for _, vs in series for v in vs if v is not None]
    if auto_range:
        lo, hi = axis_range(values)
    else:
        lo = y_min if y_min is not None else min(values, default=0)
        hi = y_max if y_max is not None else _nice_max(max(values, default=1))
    if hi <= lo:
        hi = lo + 1
    n = max(len(x_labels), 1)
    # every office page draws three of these: coordinates and labels are worked out once per chart
    xs = [f"{left + plot_w * (i + 0.5) / n:.1f}" for i in range(len(x_labels))]
    scale = plot_h / (hi - lo)

    def py(v: float) -> str:
        return f"{top + plot_h - (min(max(v, lo), hi) - lo) * scale:.1f}"

    out = _open("line", title, chart_text.describe_series(x_labels, series, unit, decimals), width, height)
    for k in range(5):  # horizontal grid with tick labels
        v = lo + (hi - lo) * k / 4
        y = top + plot_h - (v - lo) * scale
        out.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(v, 1)}</text>')
    for i, minor in x_label_plan(n):
        out.append(f'<text class="tick{" minor" if minor else ""}" x="{xs[i]}" y="{top + plot_h + 20}" '
                   f'text-anchor="middle">{_label(x_labels[i], 12)}</text>')
    for s, (name, vs) in enumerate(series):
        cls = SERIES_CLASSES[s % len(SERIES_CLASSES)]
        style = _line_style(s)
        points = [(i, py(v), _fmt(v, decimals)) for i, v in enumerate(vs) if v is not None]
        segment: list[str] = []
        last = None
        for i, y, _ in points:
            if last is not None and i != last + 1:  # a gap: None in between
                out.append(f'<polyline class="line {cls}" fill="none"{style} points="{" ".join(segment)}"/>')
                segment = []
            segment.append(f"{xs[i]},{y}")
            last = i
        if segment:
            out.append(f'<polyline class="line {cls}" fill="none"{style} points="{" ".join(segment)}"/>')
        for i, y, shown_value in points:
            out.append(f'<path class="dot {cls}" d="{MARKERS[s % len(MARKERS)]}" transform="translate({xs[i]},{y})">'
                       f'<title>{_label(f"{name} {x_labels[i]}:{shown_value}{unit}", MAX_LENGTH)}</title></path>')
        if len(series) > 1:
            lx = left + (s % per_row) * (plot_w / per_row)
            ly = height - legend_h + 28 * (s // per_row) + 10
            out.append(f'<line class="line {cls}" x1="{lx:.1f}" y1="{ly:.1f}" x2="{lx + 28:.1f}" y2="{ly:.1f}"{style}/>'
                       f'<path class="dot {cls}" d="{MARKERS[s % len(MARKERS)]}" transform="translate({lx + 14:.1f},{ly:.1f})"/>'
                       f'<text class="label legend" x="{lx + 36:.1f}" y="{ly + 5:.1f}">{_label(name, 12)}</text>')
    out.append("</svg>")
    return Chart("".join(out), chart_text.series_table(x_labels, series, title, unit, decimals))


MAX_X_LABELS = 8  # a line chart's x labels at most: each has 1/8 of the width, room for `2026Q4`
PHONE_X_LABELS = 4  # a phone draws the labels larger (extra.css): more than 4 need every other one left out


def x_label_plan(n: int) -> list[tuple[int, bool]]:
    """(index, minor) of the x labels a line chart of `n` points draws, oldest first.

    Counted back from the latest point, which is always labelled, at an even step: at most
    MAX_X_LABELS of them. A `minor` one is hidden on a phone (extra.css), so that there too the
    labels shown are evenly spaced, twice as far apart, the latest still among them: a label
    always kept beside its neighbour (2026Q3 next to 2026Q4) would overlap it.
    """
    step = max(1, math.ceil(n / MAX_X_LABELS))
    shown = list(range(n - 1, -1, -step))[::-1]
    thin = len(shown) > PHONE_X_LABELS
    return [(i, thin and (len(shown) - 1 - k) % 2 == 1) for k, i in enumerate(shown)]


def _line_style(index: int) -> str:
    dash = DASHES[index % len(DASHES)]
    width = WIDTHS[min(index, len(WIDTHS) - 1)]
    return f' stroke-width="{width}"' + (f' stroke-dasharray="{dash}"' if dash else "")


@functools.lru_cache(maxsize=1 << 16)  # names, periods and point labels recur on every office page
def _label(text: str, max_length: int) -> str:
    return xml_text(text, max_length)
