"""scorecards.csv (SPEC §7, §8): one row per office and period, for Excel and other tools.

The §7 columns, then `head_id,head_name`: the head of that period (工号 and name). The 工号 is
personal data: this file is HR's, never the site's.

UTF-8 with a BOM (so Excel detects the encoding), `\r\n` line endings (RFC 4180, what Excel
writes), rates as unrounded decimals, satisfaction 0–100, N/A as an empty field.
"""

from __future__ import annotations

import codecs
import csv
import io

from ..engine.model import Results, Scorecard
from .spreadsheet import spreadsheet_safe

CSV_COLUMNS = ("period", "office_id", "office_name", "status", "sales", "sales_target", "attainment", "growth",
               "market_share", "attrition", "pass_rate", "training_rate", "satisfaction", "score", "grade", "rank",
               "head_id", "head_name")
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
        spreadsheet_safe(card.head_id), spreadsheet_safe(card.head),
    ]


def render_csv(results: Results) -> bytes:
    """The file's bytes: BOM, header, a row per scorecard in Results order (period, office_id)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(scorecard_row(card) for card in results.scorecards)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


__all__ = ["CSV_COLUMNS", "render_csv", "scorecard_row"]
