"""What a chart says in words: the short `<desc>` of its SVG and the table of the figures behind it.

A screen reader reads the chart's title and description (the figures that matter: the first, last,
highest and lowest value of each line; the count of each bar) and can walk the whole data in a
table that is read out but not shown (`visually-hidden`, docs/stylesheets/extra.css). Every text is
escaped here: the description for XML, the table's cells for Markdown and HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...engine.model import NOT_APPLICABLE
from .escape import md_text


def fmt(value: float, decimals: int = 1) -> str:
    """A figure as the charts show it: thousands separated, no trailing zeros."""
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe_counts(counts: Sequence[tuple[str, int]], unit: str = "个") -> str:
    """`优秀 3 个，良好 4 个（共 7 个）`: every bar, then the total."""
    total = sum(count for _, count in counts)
    parts = "，".join(f"{label} {count} {unit}" for label, count in counts)
    return f"{parts}（共 {total} {unit}）" if parts else "无数据"


def describe_series(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
                    unit: str = "", decimals: int = 1) -> str:
    """Per line: its first, last, highest and lowest value with their periods, and how many are missing."""
    described = []
    for name, values in series:
        known = [(x, v) for x, v in zip(x_labels, values) if v is not None]
        if not known:
            described.append(f"{name}：无数据")
            continue
        high = max(known, key=lambda p: p[1])
        low = min(known, key=lambda p: p[1])
        points = (("首期", known[0]), ("末期", known[-1]), ("最高", high), ("最低", low))
        text = f"{name}：" + "，".join(f"{what} {x} 为 {fmt(v, decimals)}{unit}" for what, (x, v) in points)
        missing = len(values) - len(known)
        if missing:
            text += f"，{missing} 期{NOT_APPLICABLE}"
        described.append(text)
    return "；".join(described)


def counts_table(counts: Sequence[tuple[str, int]], caption: str, label_header: str, count_header: str) -> str:
    """The bars of a distribution chart as a visually hidden table, one row per category."""
    rows = "".join(f'<tr><th scope="row">{md_text(label)}</th><td>{count}</td></tr>' for label, count in counts)
    return _table(caption, [label_header, count_header], rows)


def series_table(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], caption: str,
                 unit: str = "", decimals: int = 1) -> str:
    """The lines of a line chart as a visually hidden table: one row per period, one column per line."""
    rows = []
    for i, x in enumerate(x_labels):
        cells = "".join(f"<td>{NOT_APPLICABLE if vs[i] is None else md_text(fmt(vs[i], decimals) + unit)}</td>"
                        for _, vs in series)
        rows.append(f'<tr><th scope="row">{md_text(x)}</th>{cells}</tr>')
    return _table(caption, ["期间", *(name for name, _ in series)], "".join(rows))


def _table(caption: str, headers: Sequence[str], rows: str) -> str:
    # One line: it sits inside the chart's <figure>, a raw HTML block that a blank line would end.
    # The box that hides it is a <div>: a table is never narrower than its content, so hidden
    # itself it would still widen a phone's page. The class keeps Material from wrapping it.
    head = "".join(f'<th scope="col">{md_text(h)}</th>' for h in headers)
    return (f'<div class="visually-hidden"><table class="chart-data"><caption>{md_text(caption)}（图表数据）</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")
