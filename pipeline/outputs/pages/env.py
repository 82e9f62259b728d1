"""The Jinja2 environment of the page templates and the display formats they share.

Autoescape is always on and data is only ever passed as variables, never as template source,
so a cell holding `{{ 7*7 }}` is shown as typed. Workbook strings go through the `t` filter
(`escape.safe`): escaped for Markdown and HTML at once.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.ext import Extension
from markupsafe import Markup

from ...engine.model import NOT_APPLICABLE, STATUS_LABELS
from ...periods import PERIOD_RE, is_year, period_label
from . import escape
from .tables import label_cells

NA = "—"


def num(value: float | None, decimals: int = 1) -> str:
    """A number for display, rounded only here; None is shown as a dash."""
    if value is None:
        return NA
    return f"{value:,.{decimals}f}"


def pct(value: float | None, decimals: int = 1) -> str:
    """A rate stored as a decimal, shown as a percentage."""
    return NA if value is None else f"{value * 100:.{decimals}f}%"


def kpi_value(value: float | None, unit: str) -> str:
    """A KPI value in its unit: rates as %, satisfaction as a 0–100 score."""
    if value is None:
        return NOT_APPLICABLE
    # satisfaction is a 0–100 survey result: `/ 100` keeps it apart from the KPI's score beside it
    return pct(value) if unit == "percent" else f"{value:.1f} / 100"


def point_value(value: float, unit: str) -> str:
    """A policy scoring point's value: 0.03 -> 3%, -0.4 -> −40%, 90 -> 90 分."""
    if unit == "percent":
        text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
        return text.replace("-", "−") + "%"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} 分"


def plain(value: float) -> str:
    """A config number without needless decimals: 35.0 -> 35, 0.1 -> 0.1."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def signed(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return NA
    return f"{value:+.{decimals}f}".replace("-", "−")


def grade_class(grade: str | None, policy: Any) -> str:
    """CSS class of a grade: grade-1 for the best grade, grade-2 for the next …"""
    names = [g.name for g in policy.grades]
    return f"grade-{names.index(grade) + 1}" if grade in names else "grade-none"


def badge(grade: str | None, policy: Any) -> Markup:
    if not grade:
        return Markup(NA)
    return Markup(f'<span class="grade {grade_class(grade, policy)}">{escape.md_text(grade)}</span>')


def status_badge(status: str) -> Markup:
    label = STATUS_LABELS.get(status, status)
    return Markup(f'<span class="status status-{escape.slug(status)}">{escape.md_text(label)}</span>')


def relative_url(from_page: str, target: str) -> str:
    """The href from one docs page to another docs path, as MkDocs publishes them
    (`use_directory_urls: false`: a.md -> a.html), so raw HTML links work like Markdown ones;
    percent-encoded (`downloads/%E6%8B%9B…xlsx`), as a URL is, whatever the file is called."""
    return _relative_url(posixpath.dirname(from_page) or ".", target)


@lru_cache(maxsize=1 << 16)  # the office pages share one folder and link the same pages
def _relative_url(folder: str, target: str) -> str:
    path, _, anchor = target.partition("#")
    if path.endswith(".md"):
        path = path[:-3] + ".html"
    rel = quote(posixpath.relpath(path, folder))
    return rel + (f"#{anchor}" if anchor else "")


@pass_context
def url(ctx: Any, target: str) -> str:
    """href to a docs path from the page being rendered (the template's `page` variable)."""
    return relative_url(ctx["page"], target)


def office_page(office_id: str) -> str:
    """Path of an office's page inside the docs folder; every link to it is made from this too.

    Injective, so that two offices never share a page: an ordinary id (upper-case ASCII letters,
    digits, `_` and `-`) keeps the name it always had, lower-cased (BJ01 -> offices/bj01.md), so
    links stay stable; any other id (bj01, Bj01, 北京01, a cut long id) gets its slug, a dot and a
    hash of the exact id (offices/bj01.1b2c3d4e5f60.md). Ordinary names never contain a dot, so
    the two kinds cannot meet.
    """
    return _office_page(str(office_id))


@lru_cache(maxsize=1 << 16)
def _office_page(office_id: str) -> str:
    if office_id and office_id.isascii() and office_id == office_id.upper() and escape.slug(office_id) == office_id.lower():
        return f"offices/{office_id.lower()}.md"
    readable = _UNSAFE.sub("-", office_id.lower()).strip("-")[:40].strip("-") or "office"
    digest = hashlib.sha256(office_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"offices/{readable}.{digest}.md"


_UNSAFE = re.compile(r"[^0-9a-z_-]+")


@pass_context
def office_href(ctx: Any, office_id: str) -> str:
    """The office's page; the office index when the site has no page per office (`office_pages`
    false: policy.yaml `publish: commendation`)."""
    target = office_page(office_id) if ctx.get("office_pages", True) else "offices/index.md"
    return relative_url(ctx["page"], target)


def is_period(text: Any) -> bool:
    """True for a canonical quarter (2026Q1) or year (2026): what period_label can name."""
    text = str(text or "")
    return bool(PERIOD_RE.match(text)) or (len(text) == 4 and text.isdigit())


def findings_anchor(office_id: str) -> str:
    """The id of an office's section on the validation page (validation.md.j2)."""
    return "office-" + escape.slug(office_id)


@pass_context
def findings_href(ctx: Any, office_id: str) -> str:
    return relative_url(ctx["page"], "validation.md#" + findings_anchor(office_id))


@pass_context
def period_href(ctx: Any, period: str) -> str:
    return relative_url(ctx["page"], f"results/{period}.md")  # periods are validated: 2026Q1 or 2026


class CellGaps(Extension):
    """A space after every table cell and line break the page templates write.

    Material's search plugin indexes a table's text without its tags, so `<td>王丽</td><td>华北</td>`
    became 王丽华北 in search_index.json: another word, here the roster name 王丽华, which the privacy
    gate rightly refused to publish. Browsers ignore the space; the index keeps the cells apart.
    It is added to the templates' own markup, never to data (which reaches a page escaped).
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _CELL_END.sub(r"\g<0> ", source)


_CELL_END = re.compile(r"</t[dh]>|<br>")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja environment for every generated page."""
    env = Environment(
        loader=PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[CellGaps],
    )
    env.filters.update(
        t=escape.safe, slug=escape.slug, num=num, pct=pct, kpi_value=kpi_value, point_value=point_value,
        plain=plain, signed=signed, period_label=period_label,
    )
    env.globals.update(url=url, office_href=office_href, findings_href=findings_href, findings_anchor=findings_anchor, is_period=is_period, period_href=period_href, badge=badge, status_badge=status_badge, STATUS_LABELS=STATUS_LABELS, NA=NA,
                       is_year=is_year)
    return env


def render(template: str, **context: Any) -> str:
    """Render one page template to text."""
    return label_cells(environment().get_template(template).render(**context))
