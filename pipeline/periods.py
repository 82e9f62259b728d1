"""Periods: quarters written `2026Q1` … `2026Q4`, and years written `2026` (SPEC §1).

A quarter is read the ways people write it (`2026年第四季度`, `2026年4季度`, `2026 Q4`, full-width
`２０２６Q4`); everything that reads a period — the cover, folder names, intake — goes through
`valid_period`, so no two places disagree about what a period is.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

PERIOD_RE = re.compile(r"^([0-9]{4})Q([1-4])$")  # the canonical spelling
QUARTERS_PER_YEAR = 4
# How people write a quarter once full-width characters are folded (NFKC), spaces dropped and
# letters upper-cased: 2026Q4, 2026-Q4, 2026年Q4, 2026年第四季度, 2026年4季度, 2026第4季.
# `2026-4` or `20264` stay malformed: without Q or 季 the number could be a month.
_SPELLING = re.compile(r"([0-9]{4})(?:年|[-/._])?(?:Q([1-4])|第?([1-4一二三四])季度?)")
_CHINESE_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
_SPACES = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")  # NFKC leaves zero-width characters


@dataclass(frozen=True)
class Period:
    """A quarter such as 2026Q1 (Q1 = 1 January – 31 March, and so on)."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse a quarter however it is written (`valid_period`); ValueError when malformed."""
        canonical = valid_period(text)
        if canonical is None:
            raise ValueError(text)
        return cls(int(canonical[:4]), int(canonical[5]))

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        month = 3 * self.quarter
        return date(self.year, month, 31 if month in (3, 12) else 30)

    @property
    def previous_year(self) -> Period:
        return Period(self.year - 1, self.quarter)

    @property
    def previous(self) -> Period:
        """The quarter before this one: 2026Q1 -> 2025Q4."""
        return Period(self.year - 1, QUARTERS_PER_YEAR) if self.quarter == 1 else Period(self.year, self.quarter - 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"


@functools.lru_cache(maxsize=4096)  # a run asks about the same few dozen period texts for every file
def _canonical(text: str) -> str | None:
    if PERIOD_RE.match(text):
        return text
    m = _SPELLING.fullmatch(_SPACES.sub("", unicodedata.normalize("NFKC", text)).upper())
    if m is None:
        return None
    year, q, chinese = m.groups()
    return f"{year}Q{q or _CHINESE_DIGITS.get(chinese, chinese)}"


def valid_period(text: object) -> str | None:
    """The canonical quarter text (`2026Q1`) of a quarter however written, or None when `text` is
    not one."""
    return _canonical(text) if isinstance(text, str) else None


def is_year(period: str) -> bool:
    """True for a year (`2026`), False for a quarter (`2026Q1`)."""
    return len(period) == 4


def quarters_of(year: int | str) -> list[str]:
    """The four quarters of a year, in order."""
    return [f"{year}Q{q}" for q in range(1, QUARTERS_PER_YEAR + 1)]


QUARTER_NAMES = {"1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}


def period_label(period: str) -> str:
    """`2026Q1` -> 2026年第一季度, `2026` -> 2026年度: how every page and message names a period."""
    period = str(period)
    if len(period) == 6 and period[4] == "Q":
        return f"{period[:4]}年{QUARTER_NAMES.get(period[5], period[4:])}"
    return f"{period}年度"


def period_sort_key(period: str) -> tuple[str, bool, str]:
    """2025Q1 … 2025Q4, 2025, 2026Q1 …: each year right after its quarters."""
    return (period[:4], is_year(period), period)


__all__ = ["PERIOD_RE", "QUARTER_NAMES", "Period", "is_year", "period_label", "period_sort_key", "quarters_of", "valid_period"]
