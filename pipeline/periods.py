"""Periods: quarters written `2026Q1` … `2026Q4`, and years written `2026` (SPEC §1)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")
QUARTERS_PER_YEAR = 4


@dataclass(frozen=True)
class Period:
    """A quarter such as 2026Q1 (Q1 = 1 January – 31 March, and so on)."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse `2026Q1` (surrounding spaces and a lower-case q forgiven); ValueError when malformed."""
        m = PERIOD_RE.match(text.strip().upper()) if isinstance(text, str) else None
        if m is None:
            raise ValueError(text)
        return cls(int(m.group(1)), int(m.group(2)))

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
    m = PERIOD_RE.match(text.strip().upper())
    return str(Period(int(m.group(1)), int(m.group(2)))) if m else None


def valid_period(text: object) -> str | None:
    """The canonical quarter text (`2026Q1`), or None when `text` is not a quarter."""
    return _canonical(text) if isinstance(text, str) else None


def is_year(period: str) -> bool:
    """True for a year (`2026`), False for a quarter (`2026Q1`)."""
    return len(period) == 4


def quarters_of(year: int | str) -> list[str]:
    """The four quarters of a year, in order."""
    return [f"{year}Q{q}" for q in range(1, QUARTERS_PER_YEAR + 1)]


def period_sort_key(period: str) -> tuple[str, bool, str]:
    """2025Q1 … 2025Q4, 2025, 2026Q1 …: each year right after its quarters."""
    return (period[:4], is_year(period), period)


__all__ = ["PERIOD_RE", "Period", "is_year", "period_sort_key", "quarters_of", "valid_period"]
