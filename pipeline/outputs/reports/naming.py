"""File names of the 考核确认单: `北京一所-2026Q4-考核确认单.pdf`, safe whatever the workbooks say. Pure.

Office names come from HR's reference workbook and are made safe by `outputs.file_names`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..file_names import safe_part

SUFFIX = "考核确认单"


def file_name(office_name: str, office_id: str, period: str, with_id: bool = False) -> str:
    """`<office>-<period>-考核确认单.pdf`; the office id in brackets when asked (names shared by offices)."""
    office = safe_part(office_name) or safe_part(office_id) or "业务所"
    if with_id and safe_part(office_id) and office != safe_part(office_id):
        office = f"{office}（{safe_part(office_id)}）"
    return f"{office}-{safe_part(period, 8)}-{SUFFIX}.pdf"


def file_names(cards: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], str]:
    """(office_id, period) -> its file name, for (office_id, office_name, period) triples; offices
    whose names would give the same file name (ignoring case) get their ids added."""
    cards = list(cards)
    plain = {(oid, p): file_name(name, oid, p) for oid, name, p in cards}
    seen: dict[str, int] = {}
    for name in plain.values():
        seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
    names = {(oid, p): (file_name(name, oid, p, with_id=True) if seen[plain[(oid, p)].casefold()] > 1
                        else plain[(oid, p)]) for oid, name, p in cards}
    # ids that are themselves unsafe can still collide: number what is left over
    taken: set[str] = set()
    for key, name in names.items():
        stem, n = name[:-len(".pdf")], 2
        while name.casefold() in taken:
            name, n = f"{stem}-{n}.pdf", n + 1
        taken.add(name.casefold())
        names[key] = name
    return names


def numbered(name: str, n: int) -> str:
    """The n-th alternative of a file name kept beside an existing different file: `…考核确认单（2）.pdf`."""
    return name if n <= 1 else f"{name[:-len('.pdf')]}（{n}）.pdf"


__all__ = ["SUFFIX", "file_name", "file_names", "numbered", "safe_part"]
