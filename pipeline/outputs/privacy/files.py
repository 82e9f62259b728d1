"""Reading what a built site ships, as text to scan: pages, JSON, gzip, workbooks; blank templates."""

from __future__ import annotations

import gzip
import html
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from ...forms import ALL_FORMS, COVER, COVER_SHEET
from .values import SEP

TEXT_SUFFIXES = {".html", ".htm", ".json", ".csv", ".txt", ".xml", ".md", ".svg"}
# Material's offline plugin ships the search index a second time, as a script the page loads from disk
OFFLINE_INDEX = "search_index.js"
MAX_FILE_BYTES = 64 * 1024 * 1024  # the site is ours, but never read an absurd file whole
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_XLSX_VALUES = re.compile(r"<(?:\w+:)?(?:v|t)(?:\s[^>]*)?>([^<]*)</(?:\w+:)?(?:v|t)>")


def texts_of(path: Path, rel: str, seen: set[str] | None = None) -> list[tuple[str, str]]:
    """(where, text) pieces to scan in one file; nothing for assets such as JS, CSS and images.

    `seen`: lines of text files already scanned (on other pages): they are left out. Every page
    repeats the theme's header, navigation and footer; a value without whitespace can only be
    found within one line (line breaks count as spaces), so leaving repeats out loses nothing.
    The caller passes None when some value contains whitespace.
    """
    name = path.name.lower()
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return [(rel, "")]
        if name.endswith(".xlsx") or name.endswith(".xlsm"):
            return [(rel, _xlsx_text(path))]
        if name.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES)
            return [(rel, _decode(data))]
        index_script = name == OFFLINE_INDEX
        if not index_script and not any(name.endswith(s) for s in TEXT_SUFFIXES):
            return []
        text = path.read_text("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile, EOFError):
        return [(rel, "")]
    if index_script:  # the search index again, as a script: `var __index = {…}`
        text = text.split("=", 1)[1] if "=" in text else text
    if name.endswith(".json") or index_script:
        return _json_texts(text, rel)
    return [(rel, _decode(_new_lines(text, seen)))]


def texts_of_page(rel: str, data: bytes, seen: set[str] | None = None) -> list[tuple[str, str]]:
    """`texts_of` for an HTML page's bytes (the caller has read them, to remember what it scanned)."""
    if len(data) > MAX_FILE_BYTES:
        return [(rel, "")]
    return [(rel, _decode(_new_lines(data.decode("utf-8", errors="replace"), seen)))]


def _new_lines(text: str, seen: set[str] | None) -> str:
    if seen is None:
        return text
    new = [line for line in dict.fromkeys(text.split("\n")) if line not in seen]
    seen.update(new)
    return "\n".join(new)


def _decode(text: str | bytes) -> str:
    """What a reader would see: HTML entities and JSON \\uXXXX escapes turned into characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return html.unescape(text)


def _json_texts(text: str, rel: str) -> list[tuple[str, str]]:
    try:
        data = json.loads(text)
    except ValueError:
        return [(rel, _decode(text))]
    out: list[tuple[str, str]] = []
    docs = data.get("docs") if isinstance(data, dict) else None
    if isinstance(docs, list):  # MkDocs' search index: name the page each entry belongs to
        for doc in docs:
            where = f"{rel}#{doc.get('location', '')}" if isinstance(doc, dict) else rel
            out.append((where, "\n".join(_decode(s) for s in _strings(doc))))
        rest = {k: v for k, v in data.items() if k != "docs"}
        out.append((rel, "\n".join(_decode(s) for s in _strings(rest))))
        return out
    return [(rel, "\n".join(_decode(s) for s in _strings(data)))]


def _strings(data: Any) -> list[str]:
    """Every string and number (as text) inside decoded JSON, keys included."""
    out: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int | float):
            out.append(repr(item) if isinstance(item, float) else str(item))
        elif isinstance(item, dict):
            for k, v in item.items():
                out.append(str(k))
                stack.append(v)
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _xlsx_text(path: Path) -> str:
    """The values a shipped workbook holds: cell values, shared strings, comments and properties.

    Styles, data-validation formulas and the like are left out: their numbers are not figures.
    """
    pieces: list[str] = []
    budget = MAX_FILE_BYTES
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename
            if not name.endswith(".xml") or info.file_size > budget:
                continue
            budget -= info.file_size
            raw = zf.read(info).decode("utf-8", errors="replace")
            if name.startswith("docProps/"):
                pieces.append(html.unescape(re.sub(r"<[^>]*>", "\n", raw)))
            elif name.startswith(("xl/worksheets/", "xl/sharedStrings", "xl/comments", "xl/threadedComments")):
                pieces += [html.unescape(v) for v in _XLSX_VALUES.findall(raw)]
    return "\n".join(pieces)


def template_not_blank(path: Path) -> list[str]:
    """Where a downloadable template holds filled-in values (cover values or data rows)."""
    from openpyxl import load_workbook  # only for shipped templates; keeps import time low

    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - an unreadable shipped file is reported, not raised
        return ["无法读取"]
    problems: list[str] = []
    try:
        forms = {f.id: f for f in ALL_FORMS}
        form = None
        if "_meta" in wb.sheetnames:
            for row in wb["_meta"].iter_rows(max_col=2, values_only=True):
                if row and row[0] == "template_id" and row[1] in forms:
                    form = forms[row[1]]
        if form is None:
            return []
        if form.has_cover and COVER_SHEET in wb.sheetnames:
            labels = {f.label for f in COVER}
            for row in wb[COVER_SHEET].iter_rows(max_col=2, values_only=True):
                if row and row[0] in labels and len(row) > 1 and row[1] not in (None, ""):
                    problems.append(f"{COVER_SHEET}{SEP}{row[0]}")
        for sheet in form.sheets:
            if sheet.name not in wb.sheetnames:
                continue
            for row in wb[sheet.name].iter_rows(min_row=2, max_col=len(sheet.fields), values_only=True):
                if any(v not in (None, "") for v in row):
                    problems.append(f"{sheet.name}{SEP}数据行")
                    break
    finally:
        wb.close()
    return problems
