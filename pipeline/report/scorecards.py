"""scorecards.csv (SPEC §7): one row per office and period, for Excel and other tools.

UTF-8 with a BOM (so Excel detects the encoding), `\r\n` line endings (RFC 4180, what Excel
writes), rates as unrounded decimals, satisfaction 0–100, N/A as an empty field.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from ..model import Results, Scorecard
from .safe import spreadsheet_safe

CSV_COLUMNS = ("period", "office_id", "office_name", "status", "sales", "sales_target", "attainment", "growth",
               "market_share", "attrition", "pass_rate", "training_rate", "satisfaction", "score", "grade", "rank")
KPI_COLUMNS = ("attainment", "growth", "market_share", "attrition", "pass_rate", "training_rate", "satisfaction")


def _number(value: float | int | None) -> str:
    """Full precision (repr round-trips a float exactly); integral floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def scorecard_row(card: Scorecard) -> list[str]:
    """The CSV fields of one scorecard, in CSV_COLUMNS order."""
    kpis = [_number(card.kpis[k].value) if k in card.kpis else "" for k in KPI_COLUMNS]
    return [
        card.period, spreadsheet_safe(card.office_id), spreadsheet_safe(card.office_name), card.status,
        _number(card.sales), _number(card.sales_target), *kpis,
        _number(card.score), card.grade or "", _number(card.rank),
    ]


def row_prefixes(cards: list[Scorecard]) -> list[str]:
    """Each card's CSV line up to its rank: every field but the last, each followed by a comma.

    A rerun keeps these and adds the ranks, which depend on other offices (pipeline/rerun.py).
    The csv module quotes a field by its own text only, so prefix + rank is the whole row; the
    fields are quoted here as its writer would (a test compares the two).
    """
    return ["".join(f"{csv_field(field)}," for field in scorecard_row(card)[:-1]) for card in cards]


def csv_field(text: str) -> str:
    """A field as csv.writer (QUOTE_MINIMAL, `\r\n`) writes it among others."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return f'"{text}"'
    return text


def render_rows(prefixes: list[str], ranks: list[int | None]) -> str:
    """The CSV text (without the BOM) from the rows' prefixes and the cards' ranks."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(CSV_COLUMNS)
    return buffer.getvalue() + "".join(f"{p}{_number(r)}\r\n" for p, r in zip(prefixes, ranks, strict=True))


def csv_utf8(prefixes: list[bytes], ranks: list[int | None]) -> bytes:
    """`render_rows` as the bytes of the file (BOM included), from prefixes kept as UTF-8."""
    head = render_rows([], []).encode()
    return codecs.BOM_UTF8 + head + b"".join(p + _number(r).encode() + b"\r\n" for p, r in zip(prefixes, ranks,
                                                                                                 strict=True))


def render_scorecards_csv(results: Results) -> str:
    """The CSV text (without the BOM)."""
    return render_rows(row_prefixes(results.scorecards), [c.rank for c in results.scorecards])


def write_scorecards_csv(results: Results, path: str | Path, prefixes: list[str] | None = None) -> None:
    """Write scorecards.csv: UTF-8 with BOM, CRLF, rows in Results order (period, office_id).

    `prefixes`: the cards' `row_prefixes`, when the caller has made them.
    """
    prefixes = row_prefixes(results.scorecards) if prefixes is None else prefixes
    Path(path).write_bytes(render_rows(prefixes, [c.rank for c in results.scorecards]).encode("utf-8-sig"))
