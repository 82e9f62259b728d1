"""A Report -> the HTML of its 考核确认单 (Jinja) -> A4 PDF bytes (WeasyPrint). Pure: no file is written.

The HTML is complete in itself (its stylesheet inline) and WeasyPrint is given a fetcher that
refuses every URL, so nothing a workbook says can make the renderer read a file or the network.
Every workbook text reaches the HTML through `t` (pages/escape.safe). The PDF carries no date of
its making: the same results give the same bytes, so a rerun can tell an unchanged file.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from ...periods import is_year
from ..pages import escape
from ..pages.env import NA, kpi_value, num, period_label, plain
from .content import Report


def money(value: float | None) -> str:
    """An amount in 元 to the fen: 31234.5 -> 31,234.50 元."""
    return NA if value is None else f"{value:,.2f} 元"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader(__package__, "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(t=escape.safe, num=num, kpi_value=kpi_value, period_label=period_label, plain=plain,
                       money=money)
    env.globals.update(NA=NA, is_year=is_year)
    return env


def render_html(report: Report) -> str:
    """The confirmation sheet as one HTML document."""
    return environment().get_template("confirmation.html.j2").render(r=report)


def render_pdf(report: Report) -> bytes:
    """The confirmation sheet as A4 PDF bytes."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=render_html(report), url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


__all__ = ["environment", "money", "render_html", "render_pdf"]
