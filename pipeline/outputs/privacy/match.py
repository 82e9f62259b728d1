"""Matching private values in text: folding, redaction, numeric tokens and one trie regex per kind."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A numeric token: not preceded by a digit, letter or '.', optionally with thousands separators,
# decimals and a 万 suffix; never followed by another digit.
_NUMBER = re.compile(r"(?<![0-9A-Za-z.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![0-9A-Za-z])(万)?")
# The same tokens, but only those that can be a needle: an integer part of _MIN_DIGITS digits or
# more, or a 万 figure. Pages are full of small numbers (scores, ranks, rates); skipping them in
# the regex rather than in Python is most of the scan's speed.
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z.])(\d{1,3}(?:,\d{3})+|\d{4,}|\d+(?=(?:\.\d+)?万))(\.\d+)?(?![0-9A-Za-z])(万)?")
# Numbers that are addresses or geometry, not figures: URLs (http://www.w3.org/2000/svg) and SVG
# coordinates. They are blanked before numeric tokens are looked for.
# Two passes, each written so that the regex engine can skip ahead to where a match may start
# (a pattern starting with an optional group is tried at every position).
_URLS = re.compile("https?://[^\\s\"'<>()]*|//[^\\s\"'<>()]*")
_GEOMETRY = re.compile('\\b(?:d|points|viewBox|transform)="[^"]*"')
_MIN_DIGITS = 4
# A score as the pages show it (87.3): the needles of `publish: commendation`, matched exactly.
_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d(?![\d])")
# SVG lengths and positions (height="48.7"), which look like scores; blanked before those are looked for
_SVG_LENGTHS = re.compile('\\b(?:x|y|x1|x2|y1|y2|dx|dy|cx|cy|r|rx|ry|width|height|stroke-width|font-size|offset)="[^"]*"')


def fold(text: str) -> str:
    """Text as compared: invisible control characters removed, whitespace collapsed."""
    # str.split() splits on exactly what \s matches (Unicode whitespace), several times faster
    return " ".join(_INVISIBLE.sub("", text).split())


def redact(value: str) -> str:
    """Show only the first character and how long the value is."""
    value = fold(value)
    return (value[:1] + "*" * min(max(len(value) - 1, 1), 8)) if value else "*"


class Matcher:
    """All needles compiled once: trie regexes for text, a value->column map for numbers.

    Exemptions (published or product text) are checked only for values actually found, so a
    company-sized roster costs one regex pass per page, not one containment test per name.
    """

    def __init__(self, values: dict[str, set[str]], skip_inside: list[str],
                 exact: dict[str, set[str]] | None = None, standing: Any = None):
        """`exact`: numbers as shown with one decimal (withheld scores), matched whatever their size;
        `standing`: a standing.StandingScan (withheld grades and ranks beside an office's name)."""
        self.standing = standing
        self.skip = "\x00".join(skip_inside)  # \x00 never occurs in a value: no match across pieces
        self.exact = {token: column for column in sorted(exact or {}) for token in sorted(exact[column])}
        skip_numbers = numbers_in(self.skip)
        self.numbers: dict[Decimal, str] = {}
        cjk: dict[str, str] = {}
        latin: dict[str, str] = {}
        for column in sorted(values):
            for raw in sorted(values[column]):
                text = fold(raw)
                number = numeric_needle(text)
                if number is not None:
                    if len(str(int(abs(number)))) >= _MIN_DIGITS and number not in skip_numbers:
                        self.numbers.setdefault(number, column)
                elif len(_CJK.findall(text)) >= 2:
                    cjk.setdefault(text, column)
                elif len(text) >= 4:
                    latin.setdefault(text, column)
        self.texts = {**latin, **cjk}
        # A value with whitespace could straddle a line break; without one, pages may be scanned
        # line by line with repeated lines left out (files.texts_of).
        self.has_spaced = any(" " in text for text in self.texts)
        self.cjk_re = _trie_regex(cjk) if cjk else None
        self.latin_re = (
            re.compile(r"(?<![A-Za-z0-9])(?:" + _trie_regex(latin).pattern + r")(?![A-Za-z0-9])") if latin else None
        )
        self._exempt: dict[str, bool] = {}

    def exempt(self, text: str) -> bool:
        """True when the value is (inside) published or product text: its presence proves nothing."""
        if text not in self._exempt:
            self._exempt[text] = text in self.skip
        return self._exempt[text]

    def scan(self, text: str) -> list[tuple[str, str]]:
        """(column, matched value) pairs found in one piece of text."""
        text = fold(text)
        hits: list[tuple[str, str]] = []
        for rx in (self.cjk_re, self.latin_re):
            if rx is not None:
                for m in rx.finditer(text):
                    if not self.exempt(m.group(0)):
                        hits.append((self.texts[m.group(0)], m.group(0)))
        if self.exact:
            for m in _DECIMAL.finditer(_SVG_LENGTHS.sub(" ", _GEOMETRY.sub(" ", _URLS.sub(" ", text)))):
                if m.group(0) in self.exact:
                    hits.append((self.exact[m.group(0)], m.group(0)))
        if self.standing is not None:
            hits += self.standing.scan(text)
        if self.numbers:
            for m in _CANDIDATE.finditer(_GEOMETRY.sub(" ", _URLS.sub(" ", text))):
                number = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
                column = self.numbers.get(number * 10000 if m.group(3) else number)
                if column is not None:
                    hits.append((column, m.group(0)))
        return hits


def numbers_in(text: str) -> set[Decimal]:
    """The numeric tokens of a text, as values (10000 for 1万)."""
    out: set[Decimal] = set()
    for m in _NUMBER.finditer(text):
        number = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
        out.add(number * 10000 if m.group(3) else number)
    return out


def numeric_needle(text: str) -> Decimal | None:
    m = re.fullmatch(r"(\d[\d,]*)(\.\d+)?(万)?", text)
    if not m:
        return None
    number = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
    return number * 10000 if m.group(3) else number


def _trie_regex(words: dict[str, str]) -> re.Pattern[str]:
    """One regex for many literals, shaped as a trie so that matching stays linear-ish."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def pattern(node: dict[str, Any]) -> str:
        end = "" in node
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return re.compile(pattern(trie))
