"""`publish: commendation`: an office's grade or rank shown as a result beside its name. Pure.

A grade name (良好) and a small number (3) are everywhere on a site — the handbook's tables, the
grade distribution, a roster rating in a finding's message — so neither is a needle alone. What the
site must not hold is one *shown as a result of an office not commended*: within one record — a
table row, list item, paragraph or heading of a page; an entry of the search index — that names
the office (its id as a word, or its name) and
- has a cell holding nothing but one of its withheld grades or ranks (`3`, `3 / 12`), or a grade
  badge (`class="grade …"`) with such a grade; or
- says one of its grades after 等级 or 评为 (`等级：良好`, `“等级”本次计算为 合格`), or one of its
  ranks after 名次 or 排名, or as 第 N 名.
Grade names are read whole, the longest first: 不合格 is never 合格.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

GRADE_COLUMN = "考核结果 › 未受表彰的业务所的等级"
RANK_COLUMN = "考核结果 › 未受表彰的业务所的名次"

# the boundaries of a record: block-level tags (a table row's cells stay together)
_RECORD = re.compile(r"<(?:/?)(?:tr|li|p|h[1-6]|dt|dd|div|section|article|table|thead|tbody|ul|ol|figure|"
                     r"figcaption|caption|summary|details|blockquote|nav|header|footer|main|body)\b[^>]*>", re.I)
_CELL = re.compile(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", re.I | re.S)
_BADGE = re.compile(r"<span class=\"grade\b[^\"]*\">(.*?)</span>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_RANK_CELL = re.compile(r"(\d+)(?:\s*/\s*\d+)?")
_RANK_WORDS = re.compile(r"(?:名次|排名)[^\d\n。；]{0,6}?(\d+)|第\s*(\d+)\s*名")
_GRADE_CUE = re.compile(r"(?:等级|评为)[^\n。；]{0,8}$")


class StandingScan:
    """The withheld grades and ranks of offices not commended, compiled once for a whole site."""

    def __init__(self, standing: Mapping[str, Any], grades: Iterable[str]) -> None:
        """`standing`: office id -> commendation.Standing; `grades`: every grade name of the policy."""
        self.standing = {office: s for office, s in standing.items() if s.grades or s.ranks}
        self.grades = re.compile("|".join(re.escape(g) for g in sorted(set(grades), key=len, reverse=True))
                                 or r"(?!)")
        mentions = {name: office for office, s in self.standing.items() for name in s.names}
        self.mentions = re.compile(
            "|".join(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])" if n.isascii() else re.escape(n)
                     for n in sorted(mentions, key=len, reverse=True))) if mentions else None
        self.offices = mentions

    def scan(self, text: str) -> list[tuple[str, str]]:
        """(column, what was found) for each withheld grade or rank shown beside its office."""
        if self.mentions is None or not self.mentions.search(text):
            return []
        hits: list[tuple[str, str]] = []
        for record in _RECORD.split(text):
            found = {self.offices[m.group(0)] for m in self.mentions.finditer(html.unescape(_TAG.sub(" ", record)))}
            for office in sorted(found):
                hits += [(column, f"{office} {value}") for column, value in self._shown(record, self.standing[office])]
        return hits

    def _shown(self, record: str, standing: Any) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        cells = [_plain(c) for c in _CELL.findall(record)] + [_plain(b) for b in _BADGE.findall(record)]
        for cell in cells:
            if cell in standing.grades:
                out.append((GRADE_COLUMN, cell))
            rank = _RANK_CELL.fullmatch(cell)
            if rank and int(rank.group(1)) in standing.ranks:
                out.append((RANK_COLUMN, cell))
        text = _plain(record)
        for m in self.grades.finditer(text):
            if m.group(0) in standing.grades and _GRADE_CUE.search(text[max(0, m.start() - 12):m.start()]):
                out.append((GRADE_COLUMN, m.group(0)))
        for m in _RANK_WORDS.finditer(text):
            if int(m.group(1) or m.group(2)) in standing.ranks:
                out.append((RANK_COLUMN, m.group(0)))
        return out


def _plain(fragment: str) -> str:
    """A fragment's text as a reader sees it: tags out, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


__all__ = ["GRADE_COLUMN", "RANK_COLUMN", "StandingScan"]
