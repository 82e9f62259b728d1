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


def line_chart(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], title: str,
               unit: str = "", y_min: float | None = 0, y_max: float | None = None, decimals: int = 1) -> Chart:
    """Lines over periods, one per (name, values); None leaves a gap. A legend names each line."""
    width, left, right, top, bottom = 560, 48, 16, 16, 40
    legend_h = 20 * math.ceil(len(series) / 3) if len(series) > 1 else 0
    height = 240 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom - legend_h
    values = [v for _, vs in series for v in vs if v is not None]
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
        out.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(v, 0)}</text>')
    step = max(1, math.ceil(n / 8))  # at most ~8 x labels so they stay legible on a phone
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == n - 1:
            out.append(f'<text class="tick" x="{xs[i]}" y="{top + plot_h + 18}" text-anchor="middle">'
                       f'{_label(label, 12)}</text>')
    for s, (name, vs) in enumerate(series):
        cls = SERIES_CLASSES[s % len(SERIES_CLASSES)]
        points = [(i, py(v), _fmt(v, decimals)) for i, v in enumerate(vs) if v is not None]
        segment: list[str] = []
        last = None
        for i, y, _ in points:
            if last is not None and i != last + 1:  # a gap: None in between
                out.append(f'<polyline class="line {cls}" fill="none" points="{" ".join(segment)}"/>')
                segment = []
            segment.append(f"{xs[i]},{y}")
            last = i
        if segment:
            out.append(f'<polyline class="line {cls}" fill="none" points="{" ".join(segment)}"/>')
        for i, y, shown in points:
            out.append(f'<circle class="dot {cls}" cx="{xs[i]}" cy="{y}" r="3.5">'
                       f'<title>{_label(f"{name} {x_labels[i]}:{shown}{unit}", MAX_LENGTH)}</title></circle>')
        if len(series) > 1:
            lx = left + (s % 3) * (plot_w / 3)
            ly = height - legend_h + 20 * (s // 3) + 4
            out.append(f'<rect class="bar {cls}" x="{lx:.1f}" y="{ly:.1f}" width="12" height="12" rx="2"/>'
                       f'<text class="label" x="{lx + 16:.1f}" y="{ly + 11:.1f}">{_label(name, 12)}</text>')
    out.append("</svg>")
    return Chart("".join(out), chart_text.series_table(x_labels, series, title, unit, decimals))


@functools.lru_cache(maxsize=1 << 16)  # names, periods and point labels recur on every office page
def _label(text: str, max_length: int) -> str:
    return xml_text(text, max_length)
