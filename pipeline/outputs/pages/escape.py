"""Make any string from a workbook safe to show on the site, in Markdown and in HTML alike.

Office heads type what they like into cells; a name such as `<script>`, `[x](javascript:…)`,
`| a | b |` or `{{ 7*7 }}` must appear on the page exactly as typed and never as markup, a link,
a table or a template expression. Every special character becomes an HTML character reference,
which Markdown leaves alone and the browser shows literally, so one function serves both contexts.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

from markupsafe import Markup

from ...forms.values import printable

MAX_LENGTH = 200
ELLIPSIS = "…"

# Bidirectional overrides/isolates can make text read backwards ("Trojan Source"); zero-width
# characters hide text or split words. Both are removed rather than shown.
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c\u180e\u00ad]"
)
_WHITESPACE_RUN = re.compile(r"\s+")

# Every character that means something to Markdown, HTML, Jinja or Material's extensions.
_SPECIAL = set("&<>\"'`*_{}[]()#|\\!~^=+-.:$%@")


def one_line(value: Any, max_length: int = MAX_LENGTH) -> str:
    """A text collapsed to one safe line: invisible characters removed, whitespace collapsed,
    other control characters shown as `\\x1b` (as everywhere else), long strings cut to
    `max_length` characters followed by "…"."""
    if value is None:
        return ""
    text = str(value)
    text = _INVISIBLE.sub("", text)
    text = printable(_WHITESPACE_RUN.sub(" ", text).strip())
    if max_length and len(text) > max_length:
        text = text[:max_length] + ELLIPSIS
    return text


def md_text(value: Any, max_length: int = MAX_LENGTH) -> str:
    """Text safe inside Markdown and HTML: every special character as a character reference."""
    if type(value) is str:  # names, ids and labels recur on every page: escape each once
        return _md_text(value, max_length)
    return _escape_md(one_line(value, max_length))


@functools.lru_cache(maxsize=1 << 16)
def _md_text(value: str, max_length: int) -> str:
    return _escape_md(one_line(value, max_length))


def _escape_md(text: str) -> str:
    return "".join(f"&#{ord(ch)};" if ch in _SPECIAL else ch for ch in text)


def safe(value: Any, max_length: int = MAX_LENGTH) -> Markup:
    """`md_text` marked safe for Jinja's autoescape (the escaping has been done here)."""
    return Markup(md_text(value, max_length))


def xml_text(value: Any, max_length: int = MAX_LENGTH) -> str:
    """Text for SVG/XML content and attributes (charts): cleaned and XML-escaped."""
    text = one_line(value, max_length)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def slug(value: Any) -> str:
    """A file-name/anchor-safe slug of an identifier (office ids, periods, finding codes)."""
    return _slug("" if value is None else str(value))


@functools.lru_cache(maxsize=1 << 16)
def _slug(raw: str) -> str:
    text = re.sub(r"[^0-9A-Za-z_-]+", "-", one_line(raw, 80)).strip("-").lower()
    if text != raw.lower():  # something was dropped or cut: keep distinct ids distinct
        text = f"{text}-{hashlib.sha1(raw.encode('utf-8')).hexdigest()[:8]}".strip("-")
    return text
