"""What-if: every open office-period under the policy in force and under a draft, side by side.

    comparison(current, draft, period)  a pandas DataFrame, one row per open office-period,
                                        sorted by the size of the change (score, then rank)
    terminal_table(frame)               the Chinese table printed: scores, grades, ranks and bonus
                                        coefficients — never the bonus amounts (salary data)
    workbook_bytes(frame, ...)          the same rows with the amounts, as an .xlsx (xlsxwriter)

Closed periods are not compared: their results are frozen whatever the policy says.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence

import pandas as pd
import xlsxwriter

from ..engine.model import STATUS_LABELS, Results
from ..periods import period_sort_key
from .spreadsheet import spreadsheet_safe

COLUMNS = ("期间", "所编号", "业务所", "状态", "现行得分", "草案得分", "得分变化", "现行等级", "草案等级",
           "现行排名", "草案排名", "排名变化", "现行奖金系数", "草案奖金系数", "现行奖金（元）", "草案奖金（元）",
           "奖金变化（元）")
SALARY_COLUMNS = ("现行奖金（元）", "草案奖金（元）", "奖金变化（元）")
PRINTED = tuple(c for c in COLUMNS if c not in SALARY_COLUMNS)


def comparison(current: Results, draft: Results, period: str | None = None) -> pd.DataFrame:
    """One row per open office-period (of `period` only when given), biggest change first."""
    closed = set(current.closed)
    drafted = {(c.period, c.office_id): c for c in draft.scorecards}
    rows = []
    for card in current.scorecards:
        if card.period in closed or (period is not None and card.period != period):
            continue
        other = drafted.get((card.period, card.office_id))
        if other is None:
            continue
        rows.append({
            "期间": card.period, "所编号": card.office_id, "业务所": card.office_name,
            "状态": STATUS_LABELS.get(card.status, card.status),
            "现行得分": card.score, "草案得分": other.score,
            "现行等级": card.grade, "草案等级": other.grade,
            "现行排名": card.rank, "草案排名": other.rank,
            "现行奖金系数": card.bonus_coefficient, "草案奖金系数": other.bonus_coefficient,
            "现行奖金（元）": card.bonus_amount, "草案奖金（元）": other.bonus_amount,
        })
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("得分变化", "排名变化", "奖金变化（元）")])
    for column in ("现行得分", "草案得分", "现行奖金系数", "草案奖金系数", "现行奖金（元）", "草案奖金（元）"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in ("现行排名", "草案排名"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    frame["得分变化"] = frame["草案得分"] - frame["现行得分"]
    frame["排名变化"] = frame["现行排名"] - frame["草案排名"]  # positive: moved up
    frame["奖金变化（元）"] = frame["草案奖金（元）"] - frame["现行奖金（元）"]
    frame = frame[list(COLUMNS)]
    size = frame["得分变化"].abs().fillna(-1.0)
    order = frame.assign(_size=size, _rank=frame["排名变化"].abs().fillna(0).astype("float64"),
                         _period=[period_sort_key(p) for p in frame["期间"]])
    order = order.sort_values(["_size", "_rank", "_period", "所编号"], ascending=[False, False, True, True],
                              kind="stable")
    return order[list(COLUMNS)].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The terminal table


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: object, column: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if column in ("得分变化", "排名变化"):
        number = float(value)
        shown = f"{number:+.1f}" if column == "得分变化" else f"{int(number):+d}"
        return "0" if shown in ("+0.0", "-0.0", "+0") else shown
    if column.endswith("得分"):
        return f"{float(value):.1f}"
    if column.endswith("奖金系数"):
        return f"{float(value):.3f}"
    if column.endswith("排名"):
        return str(int(value))
    return str(value)


def _shown_score(value: object) -> float:
    """A score as the table shows it (one decimal, as `_cell` formats it); NaN when there is none."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    return float(f"{float(value):.1f}")


def shown_change(frame: pd.DataFrame) -> pd.Series:
    """得分变化 as the table shows it: the difference of the two scores at one decimal, so that
    38.2 -> 37.3 reads -0.9 (the frame and the workbook keep the unrounded difference)."""
    current = frame["现行得分"].map(_shown_score)
    draft = frame["草案得分"].map(_shown_score)
    return (draft - current).round(1)


def terminal_table(frame: pd.DataFrame, columns: Sequence[str] = PRINTED) -> str:
    """The rows as an aligned text table (CJK characters count double); amounts never printed.

    The score change shown is `shown_change`, and the rows are ordered by its size (stable, so the
    frame's order decides among equal ones)."""
    columns = [c for c in columns if c not in SALARY_COLUMNS]
    change = shown_change(frame)
    frame = frame.assign(得分变化=change, _size=change.abs().fillna(-1.0))
    frame = frame.sort_values("_size", ascending=False, kind="stable")
    body = [[_cell(v, c) for c, v in zip(columns, row)] for row in frame[columns].itertuples(index=False)]
    widths = [max([_width(c), *(_width(r[i]) for r in body)]) for i, c in enumerate(columns)]
    numeric = {i for i, c in enumerate(columns) if c not in ("期间", "所编号", "业务所", "状态", "现行等级", "草案等级")}

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, text in enumerate(cells):
            pad = " " * (widths[i] - _width(text))
            out.append(pad + text if i in numeric else text + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in body)])


# ---------------------------------------------------------------------------------------------
# The workbook


def workbook_bytes(frame: pd.DataFrame, notes: Sequence[tuple[str, str]]) -> bytes:
    """试算对比 (every column, the amounts included) and 说明 (`notes`: label, text) as .xlsx bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
    formats = {"score": book.add_format({"num_format": "0.0"}), "coef": book.add_format({"num_format": "0.000"}),
               "money": book.add_format({"num_format": "#,##0.00"}), "int": book.add_format({"num_format": "0"}),
               "change": book.add_format({"num_format": "+0.0;-0.0;0"}), "text": None}
    sheet = book.add_worksheet("试算对比")
    for col, name in enumerate(COLUMNS):
        sheet.write_string(0, col, name, bold)
        kind = _kind(name)
        sheet.set_column(col, col, 10 if kind != "text" else 14, formats[kind])
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        for col, (name, value) in enumerate(zip(COLUMNS, row)):
            if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                continue
            if isinstance(value, str):
                sheet.write_string(r, col, spreadsheet_safe(value))
            else:
                number = float(value)
                sheet.write_number(r, col, round(number, 2) if _kind(name) == "money" else number)
    sheet.freeze_panes(1, 3)
    sheet.autofilter(0, 0, max(len(frame), 1), len(COLUMNS) - 1)
    about = book.add_worksheet("说明")
    about.set_column(0, 0, 16)
    about.set_column(1, 1, 90)
    for r, (label, text) in enumerate(notes):
        about.write_string(r, 0, spreadsheet_safe(label), bold)
        about.write_string(r, 1, spreadsheet_safe(text))
    book.close()
    return buffer.getvalue()


def _kind(column: str) -> str:
    if column in SALARY_COLUMNS:
        return "money"
    if column == "得分变化":
        return "change"
    if column.endswith("得分"):
        return "score"
    if column.endswith("奖金系数"):
        return "coef"
    if column.endswith("排名") or column == "排名变化":
        return "int"
    return "text"


__all__ = ["COLUMNS", "PRINTED", "SALARY_COLUMNS", "comparison", "shown_change", "terminal_table", "workbook_bytes"]
