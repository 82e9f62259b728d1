"""File names of the 考核确认单: `北京一所-2026Q4-考核确认单.pdf`, safe whatever the workbooks say. Pure.

Office names come from HR's reference workbook and are made safe by `outputs.file_names`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..file_names import office_file_name, office_file_names, safe_part

SUFFIX = "考核确认单"


def file_name(office_name: str, office_id: str, period: str, with_id: bool = False) -> str:
    """`<office>-<period>-考核确认单.pdf`; the office id in brackets when asked (names shared by offices)."""
    return office_file_name(office_name, office_id, period, SUFFIX, ".pdf", with_id)


def file_names(cards: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], str]:
    """(office_id, period) -> its file name, for (office_id, office_name, period) triples; offices
    whose names would give the same file name (ignoring case) get their ids added."""
    return office_file_names(cards, SUFFIX, ".pdf")


def numbered(name: str, n: int) -> str:
    """The n-th alternative of a file name kept beside an existing different file: `…考核确认单-2.pdf`.

    The same `-2`, `-3` as every other file the product writes beside one already there (atomic.unused_path).
    """
    return name if n <= 1 else f"{name[:-len('.pdf')]}-{n}.pdf"


__all__ = ["SUFFIX", "file_name", "file_names", "numbered", "safe_part"]
