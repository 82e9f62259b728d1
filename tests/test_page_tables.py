"""Tables on every page: header cells marked as headers (`scope`), every data table named.

The generated pages write their tables as HTML; the committed pages' pipe tables are rewritten by
`pages.tables` into HTML that renders like Python-Markdown's, plus the scope and the name.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from _site_helpers import sample_results, to_html

from pipeline.outputs.pages import DOCS_DIR, docs_pages, render_codes, render_fields, render_results_pages
from pipeline.outputs.pages.tables import has_tables, scope_tables, split_row


class Tables(HTMLParser):
    """Every <table>: its name (aria-label or caption) and the scope of each header cell."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: list[dict] = []
        self._caption = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"name": attrs.get("aria-label") or "", "scopes": []})
        elif tag == "th" and self.tables:
            self.tables[-1]["scopes"].append(attrs.get("scope"))
        elif tag == "caption":
            self._caption = True

    def handle_endtag(self, tag):
        if tag == "caption":
            self._caption = False

    def handle_data(self, data):
        if self._caption and self.tables:
            self.tables[-1]["name"] += data.strip()


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    """Every page of the site as HTML: results pages, generated guide pages, committed pages."""
    results = sample_results()
    pages = {**render_results_pages(results), "guide/fields.md": render_fields(), "guide/codes.md": render_codes()}
    pages.update(docs_pages(results, "2026-07-01", downloads=["clients"]))
    for path in DOCS_DIR.rglob("*.md"):
        pages.setdefault(path.relative_to(DOCS_DIR).as_posix(), path.read_text(encoding="utf-8"))
    return {path: to_html(text) for path, text in pages.items()}


def test_every_table_is_named_and_its_header_cells_have_a_scope(rendered):
    seen = 0
    for path, html in rendered.items():
        for table in Tables(html).tables:
            seen += 1
            assert table["name"], f"{path}: a table without a name"
            assert table["scopes"] and set(table["scopes"]) <= {"col", "row"}, f"{path}: {table}"
    assert seen > 30


def test_committed_pipe_tables_become_named_html_tables(rendered):
    html = rendered["handbook/index.md"]
    assert '<table aria-label="业务所长管理制度">' in html
    assert '<th scope="col">章</th>' in html
    assert '<td><a href="general.md">第一章 总则</a></td>' in html  # still Markdown: MkDocs rewrites the link
    assert "markdown=" not in html and "|" not in html


def _plain(html: str) -> str:
    html = re.sub(r' (scope="col"|aria-label="[^"]*")', "", html)
    return re.sub(r"\s+", "", html)


@pytest.mark.parametrize("path", sorted(p.relative_to(DOCS_DIR).as_posix() for p in DOCS_DIR.rglob("*.md")
                                        if has_tables(p.read_text(encoding="utf-8"))))
def test_rewritten_tables_render_like_python_markdowns(path):
    text = (DOCS_DIR / path).read_text(encoding="utf-8")
    assert _plain(to_html(scope_tables(text))) == _plain(to_html(text))


SAMPLE = """# 标题 { #top }

前言

| 键 | 值 |
|:---|---:|
| `a|b` | 1 \\| 2 |
| [链接](x.md) |

```
| 代码 | 不是表格 |
|---|---|
```

## 第二节

| 只有 | 表头 |
|---|---|
"""


def test_scope_tables_handles_alignment_code_spans_short_rows_and_fences():
    out = scope_tables(SAMPLE)
    html = to_html(out)
    first, second = Tables(html).tables
    assert first == {"name": "标题", "scopes": ["col", "col"]}
    assert second == {"name": "第二节", "scopes": ["col", "col"]}
    assert '<td style="text-align: left;"><code>a|b</code></td>' in html
    assert '<td style="text-align: right;">1 | 2</td>' in html
    assert '<td style="text-align: left;"><a href="x.md">链接</a></td><td style="text-align: right;"></td>' \
        in html.replace("\n", "")
    assert "| 代码 | 不是表格 |" in out  # inside a code fence: left alone
    assert _plain(html) == _plain(to_html(SAMPLE))


@pytest.mark.parametrize(("row", "cells"), [
    ("| a | b |", ["a", "b"]),
    ("a | b", ["a", "b"]),
    ("| `x | y` | z |", ["`x | y`", "z"]),
    ("| ``a ` | b`` | c |", ["``a ` | b``", "c"]),
    ("| a \\| b | c |", ["a \\| b", "c"]),
    ("| a | b \\|", ["a", "b \\|"]),
    ("|  |  |", ["", ""]),
])
def test_split_row(row, cells):
    assert split_row(row) == cells


def test_a_paragraph_with_pipes_is_not_a_table():
    text = "说明文字\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert scope_tables(text) == text  # no blank line before: Python-Markdown sees no table either
    assert "<table" not in to_html(text)
