"""The pipe tables of the committed pages, as HTML tables whose header cells say they are headers.

Python-Markdown's `tables` extension writes `<th>` without `scope` and gives a table no name, so a
screen reader cannot tell the header row from the data. The committed pages (the handbook, the
guide, the performance report) keep their readable pipe tables; the build rewrites each into an
HTML table with `<th scope="col">` and an `aria-label` (the heading above it). Its cells stay
Markdown (`markdown="span"`, the md_in_html extension), so MkDocs still checks and rewrites their
links. Only a table that Python-Markdown would see is rewritten: a block of its own, outside code
fences, not indented.
"""

from __future__ import annotations

import re

from .escape import md_text

_DELIMITER = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*(\{[^}]*\})?\s*#*\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_MARKUP = re.compile(r"[`*_]|\[([^\]]*)\]\([^)]*\)")


def scope_tables(text: str) -> str:
    """`text` (Markdown) with every pipe table written as an accessible HTML table."""
    lines = text.split("\n")
    out: list[str] = []
    heading, fence, i = "", "", 0
    while i < len(lines):
        line = lines[i]
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1).startswith(fence):
                fence = ""
        elif opening:
            fence = opening.group(1)
        elif (heading_match := _HEADING.match(line)) is not None:
            heading = _MARKUP.sub(lambda m: m.group(1) or "", heading_match.group(1))
        elif _starts_table(lines, i) and (not out or not out[-1].strip()):
            end = i + 2
            while end < len(lines) and lines[end].strip():  # a table is a block: it ends at a blank line
                end += 1
            out.append(_table(lines[i], lines[i + 1], lines[i + 2:end], heading))
            i = end
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def has_tables(text: str) -> bool:
    """Whether `text` may hold a pipe table (cheap: a delimiter row somewhere)."""
    return any(_DELIMITER.match(line) for line in text.split("\n") if "-" in line)


def _starts_table(lines: list[str], i: int) -> bool:
    line = lines[i]
    return ("|" in line and not line.startswith((" ", "\t")) and i + 1 < len(lines)
            and "-" in lines[i + 1] and bool(_DELIMITER.match(lines[i + 1])))


def _table(header: str, delimiter: str, rows: list[str], label: str) -> str:
    aligns = [_align(cell) for cell in split_row(delimiter)]
    names = split_row(header)
    width = len(names)

    def cells(tag: str, values: list[str], extra: str = "") -> str:
        values = (values + [""] * width)[:width]
        return "".join(f'<{tag}{extra}{_style(aligns, n)} markdown="span">{value}</{tag}>'
                       for n, value in enumerate(values))

    # a table of a header alone gets one empty row, as Python-Markdown gives it
    body = "\n".join(f'<tr markdown="1">{cells("td", split_row(row) if row else [])}</tr>' for row in rows or [""])
    name = f' aria-label="{md_text(label)}"' if label else ""
    head = cells("th", names, ' scope="col"')
    return (f'<table markdown="1"{name}>\n<thead markdown="1">\n<tr markdown="1">{head}</tr>\n</thead>\n'
            f'<tbody markdown="1">\n{body}\n</tbody>\n</table>')


def split_row(row: str) -> list[str]:
    """The cells of a pipe-table row: `|` inside a code span or escaped as `\\|` does not split."""
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells, current, k, code = [], [], 0, 0  # code: length of the backtick run that opened a code span
    while k < len(row):
        if row[k] == "\\" and k + 1 < len(row):
            current.append(row[k:k + 2])
            k += 2
            continue
        if row[k] == "`":
            run = len(row[k:]) - len(row[k:].lstrip("`"))
            code = 0 if code == run else (code or run)
            current.append("`" * run)
            k += run
            continue
        if row[k] == "|" and not code:
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(row[k])
        k += 1
    cells.append("".join(current).strip())
    return cells


def _align(cell: str) -> str:
    cell = cell.strip()
    if cell.startswith(":") and cell.endswith(":"):
        return "center"
    if cell.endswith(":"):
        return "right"
    return "left" if cell.startswith(":") else ""


def _style(aligns: list[str], n: int) -> str:
    # what Python-Markdown's tables extension writes, so Material styles the cells the same way
    align = aligns[n] if n < len(aligns) else ""
    return f' style="text-align: {align};"' if align else ""


# ---------------------------------------------------------------------------------------------
# Cells that name their column, for tables shown as cards on a phone (docs/stylesheets/extra.css)

_CARD_TABLE = re.compile(r"(<table data-table=\"[^\"]*\" data-cards\b[^>]*>)(.*?)(</table>)", re.S)
_HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_DATA_CELL = re.compile(r"<td\b([^>]*)>")
_TAG = re.compile(r"<[^>]+>")
_COLSPAN = re.compile(r'colspan="(\d+)"')


def label_cells(html: str) -> str:
    """Every `<td>` of the page templates' tables marked `data-cards` given `data-label`: its column's header.

    On a phone a wide table is shown as one card per row, each value under its column's name
    (`td::before { content: attr(data-label) }`); the header row itself is then hidden. Only the
    templates' own markup is touched: workbook text reaches a page escaped, so no `<td` in it.
    """
    return _CARD_TABLE.sub(_label_table, html)


def _label_table(match: re.Match) -> str:
    head, closed, body = match.group(2).partition("</thead>")
    if not closed:
        return match.group(0)
    labels = [" ".join(_TAG.sub(" ", cell).split()) for cell in _HEADER_CELL.findall(head)]

    def row(found: re.Match) -> str:
        column = 0

        def cell(td: re.Match) -> str:
            nonlocal column
            attrs = td.group(1)
            span = _COLSPAN.search(attrs)
            label = labels[column] if column < len(labels) and not span else ""
            column += int(span.group(1)) if span else 1
            return f'<td{attrs} data-label="{label}">' if label and "data-label" not in attrs else td.group(0)

        return _DATA_CELL.sub(cell, found.group(0))

    return match.group(1) + head + closed + _ROW.sub(row, body) + match.group(3)
