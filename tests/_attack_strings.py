"""Hostile cell texts: every one must come out of the pipeline as inert, visible text.

Script payloads set `window.__pwned` (and open a dialog), so a browser test can tell that input
ran as code; remote URLs point at evil.example, so a request that leaves localhost is caught.
`MARKERS` are fragments that must never appear *unescaped* in generated HTML.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

LONG = "长" * 100_000  # a 100,000-character cell: shown truncated (or whole), never a crash

ATTACKS: tuple[str, ...] = (
    "</title><script>window.__pwned=1;alert(1)</script>",
    "<script>window.__pwned=1;alert(1)</script>",
    "<img src=x onerror=\"window.__pwned=1;alert(1)\">",
    "<svg onload=window.__pwned=1>",
    "<iframe src=\"javascript:window.__pwned=1\"></iframe>",
    "\"><script>window.__pwned=1</script>",
    "'><img src=x onerror=alert(1)>",
    "[点我](javascript:window.__pwned=1)",
    "![x](http://evil.example/x.png)",
    "<http://evil.example/auto>",
    "[ref]: http://evil.example/ref",
    "a | b | c\n|---|---|\n| d | e |",
    "第一行\n\n# 标题注入\n- 列表",
    "{{ 7*7 }}",
    "{% raw %}{{ config }}{% endraw %}",
    "{{ ''.__class__.__mro__ }}",
    "!!! note \"注入\"\n    警告框",
    "--8<-- \"/etc/passwd\"",
    "文本{: .md-button onclick=\"window.__pwned=1\" }",
    ":material-home: :fontawesome-brands-github:",
    "<!-- 注释 --><style>body{display:none}</style>",
    "\u202e反向文字\u202c与零宽\u200b字符\u200d",
    "=HYPERLINK(\"http://evil.example\",\"点击\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "<a href=\"javascript:window.__pwned=1\">链接</a>",
    "<base href=\"http://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=http://evil.example\">",
    "$$\\href{javascript:alert(1)}{x}$$",
    "``` \n代码块\n```",
    LONG,
)

# Cells starting with these are formulas to a spreadsheet (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Must never appear in generated HTML as raw markup (checked case-insensitively). Attributes such
# as onerror= are checked by the parser inside real tags only: escaped text may mention them.
MARKERS: tuple[str, ...] = (
    "<script>window.__pwned",
    "<script>alert",
    "<img src=x onerror",
    "<svg onload",
    "<iframe src=\"javascript",
    "<base href=\"http://evil",
    "<meta http-equiv=\"refresh\" content=\"0;url=http://evil",
    "<a href=\"javascript:",
    "</title><script>",
)


def attack(index: int) -> str:
    """The attack string for the index-th text cell (cycling through ATTACKS)."""
    return ATTACKS[index % len(ATTACKS)]


# ---------------------------------------------------------------------------------------------
# A whole data set made of attack strings


def _fitting(counter: list[int], max_length: int, suffix: str = "") -> str:
    """The next attack string (cycling) that fits a field's max_length with its suffix."""
    for _ in range(len(ATTACKS)):
        text = attack(counter[0])
        counter[0] += 1
        if len(text) + len(suffix) <= max_length:
            return text + suffix
    return ("<b>x</b>" + suffix)[:max_length]


def _value(field, counter: list[int], row: int, unique_tag: str):
    """A valid value for a non-text field, an attack string for a text field."""
    from datetime import date

    kind = field.type.kind
    if kind == "text":
        suffix = f"#{unique_tag}{row}" if field.unique else ""
        return _fitting(counter, field.type.max_length, suffix)
    if kind == "choice":
        return field.type.choices[0]
    if kind == "date":
        if field.key == "leave_date":
            return date(2026, 2, 15) if row == 0 else None
        return date(2024, 1, 2) if field.key == "join_date" else date(2026, 2, 1)
    if kind == "integer":
        return max(field.type.min or 0, 1) + (1 if field.key == "planned" else 0)
    if field.type.max is not None:  # 满意度评分 1–5
        return field.type.max - 0.5
    return 120.0 + row


def hostile_rows(sheet, counter: list[int], rows: int, unique_tag: str) -> list[dict]:
    """`rows` rows of one data sheet: every text cell an attack string, everything else valid."""
    return [{f.key: _value(f, counter, r, unique_tag) for f in sheet.fields} for r in range(rows)]


def write_hostile_dataset(data_dir, office_ids=("BJ01", "SH01", "GZ01"), period="2026Q1", rows=3,
                          long_office: str | None = "GZ01", office_names: tuple[str, ...] = ()) -> dict:
    """Reference + the four office workbooks for each office, every text cell hostile.

    Identity cells (所编号, 期间) stay valid so the workbooks are filed and scored; the office
    `long_office` gets the 100,000-character string in a text cell, which makes it `invalid`.
    Text that starts with "=" is written as a text cell (as Excel stores '=…), not a formula:
    the form writer writes every str as text.
    `office_names` overrides the (otherwise cycling) 业务所名称 of the first offices.
    Returns {"offices": [...], "texts": set of every attack text written}.
    """
    from datetime import date
    from pathlib import Path

    from pipeline.forms import OFFICE_FORMS, REFERENCE

    data_dir = Path(data_dir)
    counter = [0]
    written: set[str] = set()
    year, quarter = int(period[:4]), period[4:]
    offices = [
        {"office_id": oid, "office_name": _fitting(counter, 100), "head": _fitting(counter, 50),
         "region": _fitting(counter, 50), "bonus_base": 30000 + 1234 * i}
        for i, oid in enumerate(office_ids)
    ]
    for office, name in zip(offices, office_names):
        office["office_name"] = name
    # offices HR lists but that sent nothing: hostile ids become page names and links
    extra = [{"office_id": "../<s>x\"", "office_name": "=\"evil\"", "head": "@head", "region": "-region",
              "bonus_base": 1000},
             {"office_id": "<i>y</i>\u200b", "office_name": "{{7*7}}", "head": "[a](javascript:1)",
              "region": "|x|", "bonus_base": 2000}]
    targets = [{"year": year, "quarter": quarter, "office_id": o["office_id"], "sales_target": 500,
                "prior_sales": 300, "market_size": 5000} for o in offices]
    _save(REFERENCE, data_dir / "reference.xlsx", written, rows={"offices": offices + extra, "targets": targets})
    for o in offices:
        oid = o["office_id"]
        for form in OFFICE_FORMS:
            cover = {"office_id": oid, "period": period, "filled_by": _fitting(counter, 50),
                     "filled_on": date(year, 1, 5)}
            data = {s.key: hostile_rows(s, counter, rows, f"{oid}-") for s in form.sheets}
            if oid == long_office and form.id == "clients":
                data["clients"][0]["industry"] = LONG
            _save(form, data_dir / "submissions" / period / oid / form.filename, written, cover=cover, rows=data)
    return {"offices": offices, "texts": written}


def _save(form, dest, written: set[str], cover: dict | None = None, rows: dict | None = None) -> None:
    """Write one filled workbook and record every attack text it holds."""
    from pipeline.outputs.form_workbook import form_workbook_bytes

    values = [*(cover or {}).values(), *(v for sheet in (rows or {}).values() for row in sheet for v in row.values())]
    written.update(v for v in values if isinstance(v, str) and (v in _ALL or v.rsplit("#", 1)[0] in _ALL))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(form_workbook_bytes(form, cover=cover, rows=rows))


_ALL = frozenset(ATTACKS)


# ---------------------------------------------------------------------------------------------
# What "inert" means in HTML


class _Inspector(HTMLParser):
    """Collects what in a page could run code or fetch from elsewhere."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("iframe", "object", "embed", "base", "frame"):
            self.problems.append(f"<{tag}>")
        if tag == "script":
            self._script = True
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data") and (
                    re.sub(r"[\s\x00-\x1f]", "", value).startswith(("javascript:", "vbscript:", "data:text/html"))
                    or "evil.example" in value):
                self.problems.append(f"<{tag} {name}={value[:40]}>")
            if tag == "meta" and name == "http-equiv" and value == "refresh":
                self.problems.append("<meta refresh>")
            if name == "style" and "evil.example" in value:
                self.problems.append(f"<{tag} style=url(evil)>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script:
            if "__pwned" in data or "alert(" in data:
                self.problems.append("input text inside <script>")
        else:
            self.text.append(data)


def html_problems(html: str) -> list[str]:
    """Everything in one HTML document that would make input active (empty list = inert)."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    lowered = html.lower()
    inspector.problems += [f"raw {m!r}" for m in MARKERS if m.lower() in lowered]
    return inspector.problems


def html_text(html: str) -> str:
    """The visible text of a page (outside scripts), whitespace collapsed."""
    inspector = _Inspector()
    inspector.feed(html)
    return re.sub(r"\s+", " ", "".join(inspector.text))
