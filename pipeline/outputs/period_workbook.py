"""HR's workbook of one period: 考核结果-2026Q4.xlsx for a quarter, 考核结果-2026年度.xlsx for a year.

Made in two steps, so that what is written and what the run's memo compares can never disagree:

    content(results, period, matrix)  -> Content: every sheet as plain rows (text, numbers, None)
    digest(...)                       -> sha256 of that content and LAYOUT_VERSION
    workbook_bytes(...)               -> the same content laid out with xlsxwriter's public API
    write(path, ...)                  -> those bytes written atomically, and their sha256

The time a workbook is made is not content: it goes only into the document's dates and 说明.
Salary data (bonus bases and amounts) appears here, HR's workbooks, and never on the site. Text
is written with write_string only, text from the input through spreadsheet_safe first (formula-like
starts neutralised, control characters shown as \\x1b).
"""

from __future__ import annotations

import hashlib
import io
import marshal
import math
import os
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from ..atomic import write_bytes
from ..engine.adjust import shown
from ..engine.carry import carried_into
from ..engine.counts import REVIEWS_NOTE, SCORING_NOTE, count
from ..engine.deadlines import ESTIMATED_MARK, ON_TIME, Board, timeliness
from ..engine.model import (
    ANNUAL,
    INCOMPLETE,
    INVALID,
    MISSING,
    SCORED,
    STATUS_LABELS,
    Adjustment,
    KpiResult,
    Results,
    Scorecard,
)
from ..engine.submissions import NOT_SUBMITTED, SUBMITTED, WITH_ERRORS
from ..engine.watch import KIND_LABELS, watch_list
from ..findings import ERROR, INFO, SEVERITY_LABELS, WARNING, Finding
from ..forms import OFFICE_FORMS
from ..forms.reviews import OPEN as APPEAL_OPEN
from ..periods import Period, is_year, period_sort_key, quarters_of
from .spreadsheet import spreadsheet_safe

# Part of every digest: bump it whenever the layout changes (columns, labels, formats, colours,
# print setup), so that the memo writes every period's workbook again.
LAYOUT_VERSION = "period-workbook/6"  # 2: control characters shown as \x1b; 3: 已确认 (accepted.xlsx); 4: 关注名单, notes;
# 5: 复核调整 and 申诉 (reviews.xlsx), 经复核调整 in 说明 and 指标来源; 6: a year's 按时情况 per quarter, and the
# quarter adjustments its 指标来源 pools

# number formats (the keys of Column.style)
PERCENT, SCORE, MONEY, COEFFICIENT, INTEGER, FIGURE = "0.0%", "0.0", "#,##0.00", "0.0000", "0", "#,##0.00##"
HEADER_FILL = "#DDEBF7"
STATUS_FILLS = {STATUS_LABELS[SCORED]: "#C6EFCE", STATUS_LABELS[INVALID]: "#FFC7CE",
                STATUS_LABELS[INCOMPLETE]: "#FFEB9C", STATUS_LABELS[MISSING]: "#EDEDED"}
SUBMISSION_LABELS = {SUBMITTED: "已提交", WITH_ERRORS: "有错误", NOT_SUBMITTED: "未提交"}
SUBMISSION_FILLS = {"已提交": "#C6EFCE", "有错误": "#FFC7CE", "未提交": "#FFEB9C"}
SEVERITY_FILLS = {SEVERITY_LABELS[ERROR]: "#FFC7CE", SEVERITY_LABELS[WARNING]: "#FFEB9C"}
ACCEPTED_MARK, ACCEPTED_FILL = "已确认", "#DDEBF7"  # a finding HR accepted (accepted.xlsx): no longer blocks
ADJUSTED_MARK = "经复核调整"  # an item HR changed after review (reviews.xlsx › 调整)
OPEN_FILL = "#FFEB9C"  # an appeal still 受理中
GRADE_COLOURS = ("#C6EFCE", "#DDEBF7", "#FFF2CC", "#FFC7CE")  # best … worst
RATE_INFO = ("on_time_rate", "budget_variance")  # informational figures that are rates
FEN = Decimal("0.01")
# Only write_string is used for text; these options also keep xlsxwriter from ever guessing.
BOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}
# A4 landscape with 0.5" margins: 297 mm − 2 × 12.7 mm at 96 dpi, in pixels
PAGE_WIDTH_PX = 1026
PAGE_FILL = 0.94  # of that width: LibreOffice moves a column that just fits to a page of its own
MARSHAL_VERSION = 2  # the last without back-references (which depend on object identity)
LINE_HEIGHT = 15  # points: one line of the default font
GENERATED = "<生成时间>"  # stands in 说明 for the time of writing, which is not content


def styled(value: Any, style: str | None = None, fill: str | None = None) -> tuple:
    """A cell formatted unlike its column (a KPI value: percent or score; a quarter's state).

    A plain tuple (value, number format, fill), as every cell is plain data: see `digest`.
    """
    return (value, style, fill)


@dataclass(frozen=True)
class Column:
    header: str  # a "\n" says where a two-line header breaks
    width: float
    style: str | None = None  # number format
    fills: tuple[tuple[str, str], ...] = ()  # text value -> fill colour (grade, status, state)
    wrap: bool = False  # long text or a line per source: wrapped, the row made as tall as it needs


@dataclass(frozen=True)
class Table:
    """One table sheet: a header row, data rows and an optional total row below the filter."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    frozen: int = 3  # id columns kept in view (期间, 所编号, 业务所名称)
    total: tuple | None = None
    pages: tuple[int, ...] = ()  # columns that start a printed page (the wide card sheets)


@dataclass(frozen=True)
class Content:
    """Everything a period's workbook shows, as plain data (说明's rows: see `_notes`)."""

    period: str
    notes: tuple[tuple, ...]
    tables: tuple[Table, ...]


def file_name(period: str) -> str:
    """考核结果-2026Q4.xlsx for a quarter, 考核结果-2026年度.xlsx for a year."""
    return f"考核结果-{period}年度.xlsx" if is_year(period) else f"考核结果-{period}.xlsx"


def digest(results: Results, period: str, matrix: dict) -> str:
    """sha256 of everything the period's workbook shows (never of the time it is written)."""
    return content_digest(content(results, period, matrix))


def content_digest(made: Content) -> str:
    """sha256 of a Content and the layout version.

    The content is plain data (tuples of str, int, float, None), serialised with marshal:
    ten times faster than repr, which matters as a run digests every period even when nothing
    changed. Version 2 writes no back-references, so equal content always gives equal bytes.
    """
    tables = tuple((t.title, tuple(astuple(col) for col in t.columns), t.rows, t.frozen, t.total, t.pages)
                   for t in made.tables)
    plain = (LAYOUT_VERSION, made.period, made.notes, tables)
    return hashlib.sha256(marshal.dumps(plain, MARSHAL_VERSION)).hexdigest()


def workbook_bytes(results: Results, period: str, matrix: dict, generated: datetime | None = None) -> bytes:
    """The period's .xlsx as bytes; `generated` dates it (default: SOURCE_DATE_EPOCH when set, else now)."""
    return render(content(results, period, matrix), made_at(generated))


def write(path: Path, results: Results, period: str, matrix: dict, generated: datetime | None = None) -> str:
    """Write the period's workbook atomically (pipeline.atomic); the sha256 of the bytes written."""
    data = workbook_bytes(results, period, matrix, generated)
    write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# Content


def content(results: Results, period: str, matrix: dict, board: Board | None = None) -> Content:
    """The period's workbook as plain rows: 说明, then the quarter's or the year's tables.

    `board`: every quarter's lateness (engine.deadlines.timeliness), when the caller has it already.
    """
    cards = results.for_period(period)
    year = is_year(period)
    quarters = quarters_of(period) if year else [period]
    findings = _findings(results, {period, *quarters})
    policy = results.policy_for(period)
    if year:
        scored = sorted((c for c in cards if c.status == SCORED), key=lambda c: (c.rank or 0, c.office_id))
        tables = (_cards_table("年度考核", cards, policy, ANNUAL), _honours_table(scored, policy))
    else:
        tables = (_cards_table("季度考核", cards, policy, "quarterly"), _bonus_table(cards, results, policy))
    offices = results.dataset.reference.offices
    timing = board if board is not None else timeliness(results.dataset, matrix)
    sheet = (_year_submissions_table(period, matrix, offices, timing) if year
             else _submissions_table(period, matrix, offices, timing.get(period, {})))
    tables += (sheet, _watch_table(results, period, matrix), _adjustments_table(cards), _appeals_table(results, period),
               _sources_table(cards, policy, results), _findings_table(findings))
    notes = _notes(results, period, cards, findings, tables)
    return Content(period, notes, tables)


def _period_cell(period: str) -> str | int:
    return int(period) if is_year(period) else period  # years as numbers, not text


def _label(period: str) -> str:
    return f"{period}年度" if is_year(period) else period


def _identity(card: Scorecard) -> tuple:
    return (_period_cell(card.period), card.office_id, card.office_name, card.head, card.region)


IDENTITY = (Column("期间", 8), Column("所编号", 8), Column("业务所名称", 14), Column("所长", 8), Column("区域", 6))
STATUS = Column("状态", 8, fills=tuple(STATUS_FILLS.items()))


def _grade_column(policy) -> Column:
    names = [g.name for g in policy.grades]
    colours = [GRADE_COLOURS[min(i, len(GRADE_COLOURS) - 2)] for i in range(len(names) - 1)] + [GRADE_COLOURS[-1]]
    return Column("等级", 6, fills=tuple(zip(names, colours)))


def _cards_table(title: str, cards: Sequence[Scorecard], policy, cycle: str) -> Table:
    """One row per office: identity, status, sales, KPI values, figures, scores, grade, rank."""
    kpis = list(policy.kpis.values())
    scored_kpis = [k for k in kpis if k.weight[cycle] > 0]
    blocks = [(b, name) for b, name in policy.blocks.items() if any(k.weight[cycle] > 0 for k in policy.kpis_in_block(b))]
    info = list(policy.informational.items())
    columns = [*IDENTITY, STATUS, Column("说明", 24), Column("销售额\n（万元）", 11, MONEY),
               Column("销售目标\n（万元）", 11, MONEY)]
    values_at = len(columns)
    columns += [Column(_lines(k.name), 9, PERCENT if k.unit == "percent" else SCORE) for k in kpis]
    columns += [Column(f"{_lines(name)}\n（参考）", 9, PERCENT if key in RATE_INFO else INTEGER) for key, name in info]
    scores_at = len(columns)
    columns += [Column(f"{_lines(k.name)}\n得分", 9, SCORE) for k in scored_kpis]
    columns += [Column(f"{name}\n得分", 9, SCORE) for _, name in blocks]
    columns += [Column("总分", 7, SCORE), _grade_column(policy), Column("排名", 6, INTEGER)]
    annual = cycle == ANNUAL
    if annual:
        columns.append(Column("荣誉", 22, wrap=True))
    rows = []
    for c in cards:
        remarks = "；".join(text for text in (c.status_reason, *c.notes, *_adjusted_notes(c)) if text) or None
        row = [*_identity(c), STATUS_LABELS.get(c.status, c.status), remarks, c.sales, c.sales_target]
        row += [c.kpis[k.key].value if k.key in c.kpis else None for k in kpis]
        row += [c.informational.get(key) for key, _ in info]
        row += [c.kpis[k.key].score if k.key in c.kpis else None for k in scored_kpis]
        row += [c.block_scores.get(b) for b, _ in blocks]
        row += [c.score, c.grade, c.rank]
        if annual:
            row.append("、".join(c.honours))
        rows.append(tuple(row))
    return Table(title, tuple(columns), tuple(rows), pages=(values_at, scores_at))


def _adjusted_notes(card: Scorecard) -> list[str]:
    """经复核调整 on a card's remarks: each item with its original value (details: 复核调整)."""
    return [f"{ADJUSTED_MARK}：{a.item} {shown(a.original, a.what, a.kpi)} → {shown(a.adjusted, a.what, a.kpi)}"
            for a in card.adjustments]


def _adjustments_table(cards: Sequence[Scorecard]) -> Table:
    """复核调整: each item changed after review, its original, the reason and who approved it (HR only)."""
    columns = (*IDENTITY, Column("项目", 22), Column("原值", 9), Column("调整后", 9), Column("原因", 40, wrap=True),
               Column("批准人", 10), Column("批准日期", 11))
    rows = tuple((*_identity(c), a.item, shown(a.original, a.what, a.kpi), shown(a.adjusted, a.what, a.kpi),
                  a.reason, a.approved_by, a.approved_on)
                 for c in cards for a in c.adjustments)
    return Table("复核调整", columns, rows)


def _appeals_table(results: Results, period: str) -> Table:
    """申诉: the appeals of the period (a year's: its quarters' too), those 受理中 first (HR only)."""
    periods = {period, *quarters_of(period)} if is_year(period) else {period}
    offices = results.dataset.reference.offices
    appeals = sorted((a for a in results.appeals if a.period in periods),
                     key=lambda a: (not a.open, period_sort_key(a.period), a.office_id, a.row))
    columns = (Column("期间", 8), Column("所编号", 8), Column("业务所名称", 14), Column("提出日期", 11),
               Column("申诉事项", 40, wrap=True), Column("处理结果", 9, fills=((APPEAL_OPEN, OPEN_FILL),)),
               Column("处理日期", 11), Column("处理人", 10))
    rows = tuple((_period_cell(a.period), a.office_id, offices[a.office_id].name if a.office_id in offices else "",
                  a.filed_on, a.matter, a.outcome, a.settled_on or None, a.handled_by or None) for a in appeals)
    return Table("申诉", columns, rows)


def _lines(name: str) -> str:
    """A KPI name on two lines where Chinese breaks it naturally: 销售目标 / 完成率, 客户 / 满意度.

    The names come from the policy; one that does not end in a rate (…率) or degree (…度) stays
    whole, and its column is made as wide as it is (never wrapped mid-word by Excel).
    """
    return f"{name[:-3]}\n{name[-3:]}" if len(name) >= 5 and name[-1] in "率度" else name


def fen(amount: float | None) -> float | None:
    """An amount in 元 rounded to the fen, half up (on its shortest decimal form: 2.675 -> 2.68)."""
    if amount is None or not math.isfinite(amount):
        return None
    return float(Decimal(repr(amount)).quantize(FEN, ROUND_HALF_UP))


def _bonus_table(cards: Sequence[Scorecard], results: Results, policy) -> Table:
    """Coefficient, base and amount (rounded to the fen) per office, and their total."""
    offices = results.dataset.reference.offices
    columns = (*IDENTITY, STATUS, Column("总分", 7, SCORE), _grade_column(policy), Column("奖金系数", 9, COEFFICIENT),
               Column("季度奖金基数\n（元）", 12, MONEY), Column("季度奖金\n（元）", 12, MONEY))
    rows, total = [], Decimal(0)
    for c in cards:
        office = offices.get(c.office_id)
        amount = fen(c.bonus_amount)
        if amount is not None:
            total += Decimal(repr(amount))
        rows.append((*_identity(c), STATUS_LABELS.get(c.status, c.status), c.score, c.grade, c.bonus_coefficient,
                     office.bonus_base if office else None, amount))
    last = (None,) * (len(columns) - 2)
    return Table("奖金", columns, tuple(rows), total=("合计", *last, float(total)))


def _honours_table(cards: Sequence[Scorecard], policy) -> Table:
    """Scored offices of the year by rank, a 是 per honour earned, and each honour's count."""
    names = [policy.special_award.name, policy.excellent_head.name, policy.promotion.name, policy.development.name]
    columns = (*IDENTITY, Column("总分", 7, SCORE), _grade_column(policy), Column("排名", 6, INTEGER),
               *[Column(n, 10) for n in names])
    rows = tuple((*_identity(c), c.score, c.grade, c.rank, *["是" if n in c.honours else None for n in names])
                 for c in cards)
    counts = [sum(1 for c in cards if n in c.honours) for n in names]
    total = ("合计", *(None,) * (len(IDENTITY) + 2), *counts)
    return Table("荣誉与激励", columns, rows, total=total)


def _submissions_table(period: str, matrix: dict, offices: dict, timing: dict) -> Table:
    """A quarter's board: 已提交 / 有错误 / 未提交 per office and form, what is missing, and each
    form's 按时 / 迟交 N 天 / 未提交 when the quarter has a deadline (`timing`: deadlines.timeliness)."""
    fills = tuple(SUBMISSION_FILLS.items())
    columns = (*IDENTITY[:3], *[Column(f.title, 10, fills=fills) for f in OFFICE_FORMS], Column("未提交的表格", 30))
    if timing:  # a quarter with a deadline in 填报日程
        columns += (Column("按时情况", 40, wrap=True),)
    rows = []
    for office_id, states in matrix.get(period, {}).items():
        office = offices.get(office_id)
        labels = [SUBMISSION_LABELS[states.get(f.id, NOT_SUBMITTED)] for f in OFFICE_FORMS]
        absent = "、".join(f.title for f, label in zip(OFFICE_FORMS, labels) if label == "未提交")
        judged = timing.get(office_id, {})
        times = "；".join(f"{f.title}：{judged[f.id].label}" for f in OFFICE_FORMS if f.id in judged) or None
        rows.append((period, office_id, office.name if office else "", *labels, absent, *((times,) if timing else ())))
    return Table("提交情况", columns, tuple(rows))


def _year_submissions_table(year: str, matrix: dict, offices: dict, timing: dict) -> Table:
    """A year's board: one row per office, a cell per quarter saying what was missing or wrong, and
    for each quarter with a deadline (`timing`: deadlines.timeliness) a cell saying which forms came
    late or not at all — 按时 when none."""
    quarters = quarters_of(year)
    judged = [q for q in quarters if q in timing]
    columns = (*IDENTITY[:3], *[Column(q, 24) for q in quarters],
               *[Column(f"{q}\n按时情况", 18, wrap=True) for q in judged])
    present = sorted({o for q in quarters for o in matrix.get(q, {})})
    rows = []
    for office_id in present:
        office = offices.get(office_id)
        cells = [_quarter_state(matrix[q].get(office_id)) if q in matrix else None for q in quarters]
        times = [_quarter_timing(timing[q].get(office_id)) for q in judged]
        rows.append((int(year), office_id, office.name if office else "", *cells, *times))
    return Table("提交情况", columns, tuple(rows))


def _quarter_timing(judged: dict | None) -> tuple | None:
    """按时, or each form not on time with its 迟交 N 天 / 未提交; （估计） where a date is a file's mtime."""
    if not judged:
        return None
    behind = [f"{f.title}：{judged[f.id].label}" for f in OFFICE_FORMS if f.id in judged and judged[f.id].state != ON_TIME]
    if not behind:
        estimated = any(t.estimated for t in judged.values())
        return styled("按时" + (ESTIMATED_MARK if estimated else ""), fill=SUBMISSION_FILLS["已提交"])
    return styled("；".join(behind), fill=SUBMISSION_FILLS["未提交"])


def _watch_table(results: Results, period: str, matrix: dict) -> Table:
    """关注名单: heads graded lowest in consecutive quarters, offices that keep not submitting (HR only:
    it names the 工号)."""
    lowest = results.policy.grades[-1].name
    entries = watch_list(results.scorecards, matrix, lowest, period)
    columns = (Column("期间", 8), Column("所编号", 8), Column("业务所名称", 14), Column("所长", 8),
               Column("所长工号", 10), Column("关注事项", 20), Column("连续季度", 16), Column("详情", 48, wrap=True))
    rows = tuple((w.quarters[-1], w.office_id, w.office_name, w.head, w.head_id or None, KIND_LABELS[w.kind],
                  "、".join(w.quarters), w.detail) for w in entries)
    return Table("关注名单", columns, rows)


def _quarter_state(states: dict[str, str] | None) -> tuple | None:
    """已提交, or which forms were missing and which had errors, coloured as the worst of them."""
    if states is None:
        return None
    wrong = "、".join(f.title for f in OFFICE_FORMS if states.get(f.id) == WITH_ERRORS)
    absent = [f.title for f in OFFICE_FORMS if states.get(f.id, NOT_SUBMITTED) == NOT_SUBMITTED]
    if not wrong and not absent:
        return styled("已提交", fill=SUBMISSION_FILLS["已提交"])
    if len(absent) == len(OFFICE_FORMS):
        return styled("未提交", fill=SUBMISSION_FILLS["未提交"])
    parts = ([f"有错误：{wrong}"] if wrong else []) + ([f"未提交：{'、'.join(absent)}"] if absent else [])
    return styled("；".join(parts), fill=SUBMISSION_FILLS["有错误" if wrong else "未提交"])


def _sources_table(cards: Sequence[Scorecard], policy, results: Results) -> Table:
    """KPI provenance: a row per KPI of each card, a line per source (a year's: its quarters' files).

    One row per KPI rather than per source keeps a year's sheet at 7 rows an office instead of
    ~40 (its KPIs pool four quarters), and each KPI's figures are shown once. 经复核调整 names the
    approver (HR only): the card's own adjustments, and a year's quarters' it pools (engine.carry).
    """
    quarter_cards = {(c.office_id, c.period): c for c in results.scorecards if not is_year(c.period)}
    columns = (*IDENTITY[:3], Column("指标", 13), Column("指标值", 9), Column("分子", 11, FIGURE),
               Column("分母", 11, FIGURE), Column("计算方法", 30, wrap=True), Column("无法计算的原因", 20, wrap=True),
               Column("数据来源（数据项：文件 › 工作表 › 单元格）", 76, wrap=True),
               Column("模板版本与 SHA-256", 70, wrap=True), Column(ADJUSTED_MARK, 40, wrap=True))
    rows = []
    for card in cards:
        head = (_period_cell(card.period), card.office_id, card.office_name)
        for key, kpi in card.kpis.items():
            spec = policy.kpis[key]
            sources = kpi.sources
            places = "\n".join([f"{s.what}：{s.file} › {s.sheet} › {s.cells}" for s in sources])
            versions = "\n".join([f"{s.template_version} {s.sha256}" for s in sources])
            review = "\n".join([*(_review_line(a) for a in card.adjustments_of(key)),
                                 *_carried_lines(card, kpi, quarter_cards)])
            rows.append((*head, spec.name, styled(kpi.value, PERCENT if spec.unit == "percent" else SCORE),
                         kpi.numerator, kpi.denominator, spec.formula, kpi.reason, places, versions, review or None))
    return Table("指标来源", columns, tuple(rows), pages=(9, 10))


def _review_line(a: Adjustment, quarter: str = "") -> str:
    lead = f"{quarter} " if quarter else ""
    carried = "，计入年度合并计算" if quarter else ""
    return (f"{lead}{a.item}：{shown(a.original, a.what, a.kpi)} → {shown(a.adjusted, a.what, a.kpi)}"
            f"（{a.reason}；批准人：{a.approved_by}，{a.approved_on}）{carried}")


def _carried_lines(card: Scorecard, kpi: KpiResult, quarter_cards: dict) -> list[str]:
    """A year's KPI: the adjustments of its quarters' values it pools (engine.carry)."""
    return [_review_line(a, q) for q, a in carried_into(card, quarter_cards, kpi.key)]


def _findings(results: Results, periods: set[str]) -> list[Finding]:
    found = [f for f in (*results.dataset.findings, *results.findings) if f.period in periods]
    return sorted(found, key=lambda f: (period_sort_key(f.period), f.office_id, f.sort_key()))


def _findings_table(findings: Sequence[Finding]) -> Table:
    """The period's findings, each led by its Chinese title."""
    columns = (Column("问题", 16), Column("代码", 18), Column("级别", 6, fills=tuple(SEVERITY_FILLS.items())),
               IDENTITY[1], IDENTITY[0], Column("文件", 34), Column("工作表", 9), Column("单元格", 9),
               Column("列", 12), Column("说明", 50), Column("所见值", 14),
               Column("已确认（原因）", 30, wrap=True))
    rows = tuple((f.title, f.code, SEVERITY_LABELS.get(f.severity, f.severity), f.office_id,
                  _period_cell(f.period) if f.period else None, f.file, f.sheet,
                  f.cell or (f"第 {f.row} 行" if f.row else ""), f.column, f.message, f.value,
                  None if f.acceptance is None else f"{ACCEPTED_MARK}：{f.acceptance}")
                 for f in findings)
    return Table("校验问题", columns, rows, frozen=0)


SHEET_NOTES = {
    "季度考核": "每个业务所一行：状态及原因、销售额、各项指标值、参考指标、指标得分、板块得分、总分、等级、排名。",
    "年度考核": "每个业务所一行：四个季度合并计算的年度指标、得分、等级、排名及所获荣誉。",
    "奖金": "奖金系数、季度奖金基数与季度奖金；最后一行为合计。",
    "荣誉与激励": "已评分的业务所按排名排列，获得某项荣誉者标“是”；最后一行为各项荣誉的人数。",
    "提交情况": "每个业务所各表格的提交状态：已提交、有错误或未提交；规定了填报截止日期的季度，“按时情况”列出各表格"
                "按时、迟交几天或未提交（以第一次收到的日期计，标“（估计）”的按文件修改时间估计）。"
                "是否按时仅作记录，不影响考核得分。",
    "关注名单": "连续两个或以上季度考核为最低等级的所长（按工号，跨业务所连续计算），以及连续两个或以上季度"
                "未交齐表格的业务所（尚无填报截止日期数据，以运行时仍未提交计）。含所长工号，仅供人力资源部使用。",
    "复核调整": "复核后调整的每一项（reviews.xlsx《调整》）：原值、调整后的值、原因、批准人和批准日期；"
                "排名、奖金系数和荣誉按调整后的值确定。含批准人姓名，仅供人力资源部使用。",
    "申诉": "本期的申诉及处理结果（reviews.xlsx《申诉》），受理中的排在前面；有受理中的申诉时本期不能关闭。"
            "含申诉事项和处理人，仅供人力资源部使用。",
    "指标来源": "每项指标的数值、分子、分母、计算方法，所用数据的文件、工作表和单元格，以及经复核的调整。",
    "校验问题": "本期数据校验发现的问题，按期间、所编号、文件排列。",
}
YEAR_SHEET_NOTES = {
    "申诉": "本年度及其四个季度的申诉及处理结果（reviews.xlsx《申诉》），受理中的排在前面。",
    "提交情况": "每个业务所一行、每个季度一列：已提交，或哪些表格有错误、未提交；规定了填报截止日期的季度另有一列"
                "“按时情况”：全部按时写“按时”，否则列出迟交几天或未提交的表格（以第一次收到的日期计，标“（估计）”的"
                "按文件修改时间估计）。是否按时仅作记录，不影响考核得分。",
    "校验问题": "本年度及其四个季度的数据校验问题，按期间、所编号、文件排列。",
}
STATUS_NOTES = {SCORED: "数据完整无误，已评分", INVALID: "提交的数据有错误，不评分（见“校验问题”）",
                INCOMPLETE: "表格或季度不全，不评分", MISSING: "未提交任何表格，不评分"}


def _notes(results: Results, period: str, cards: Sequence[Scorecard], findings: Sequence[Finding],
           tables: Sequence[Table]) -> tuple[tuple, ...]:
    """说明: what this workbook is, for which period, from what; counts; the colour legend.

    Rows are (kind, cells, fill of the first cell), kind one of title, text, heading, row.
    """
    policy = results.policy_for(period)
    closed = results.closed.get(period)
    if is_year(period):
        span = f"{period}年度（{period}Q1 至 {period}Q4 四个季度合并）"
    else:
        quarter = Period.parse(period)
        span = f"{period}（{quarter.start.isoformat()} 至 {quarter.end.isoformat()}）"
    notes: list[tuple] = [
        ("title", (f"业务所长考核结果 · {_label(period)}",), None),
        ("text", ("本工作簿由考核系统根据各业务所提交的表格和人力资源部的基础数据自动生成，仅供人力资源部使用"
                  "（含奖金等薪酬信息，请勿外传）。",), None),
        ("row", ("考核期间", span), None),
        ("row", ("生成时间", GENERATED), None),
        ("row", ("数据目录", results.dataset.data_dir), None),
        ("row", ("考核政策版本", closed.policy_version if closed else policy.version), None),
        ("row", ("关闭状态", f"已于 {_moment(closed.closed_at)} 由 {closed.closed_by} 关闭，结果已冻结（不随此后的政策、"
                            "基础数据或程序修改而改变）" if closed else "未关闭（每次运行按现有数据重新计算）"), None),
        ("heading", ("业务所数量", "业务所数", "含义"), None),
    ]
    counts = Counter(c.status for c in cards)
    for status in (SCORED, INVALID, INCOMPLETE, MISSING):
        label = STATUS_LABELS[status]
        notes.append(("row", (label, counts.get(status, 0), STATUS_NOTES[status]), STATUS_FILLS[label]))
    notes.append(("row", ("合计", len(cards), "未评分的业务所及原因见“状态”“说明”两列"), None))
    scoring = set(results.findings)  # the assessment's own, counted apart (engine/counts.py)
    tally = count([f for f in findings if f not in scoring], [f for f in findings if f in scoring])
    notes.append(("heading", ("校验问题", "条数", ""), None))
    notes += [("row", (SEVERITY_LABELS[s], n, ""), SEVERITY_FILLS.get(SEVERITY_LABELS[s]))
              for s, n in ((ERROR, tally.errors), (WARNING, tally.warnings), (INFO, tally.infos))]
    notes.append(("row", (ACCEPTED_MARK, tally.accepted, "人力资源部与所长核实后确认的问题，不影响评分"),
                  ACCEPTED_FILL))
    notes.append(("row", (f"评分时的警告（{SCORING_NOTE}）", tally.scoring, "计算指标时才发现，不属于数据校验"),
                  SEVERITY_FILLS.get(SEVERITY_LABELS[WARNING])))
    if tally.reviews:
        notes.append(("row", (f"{REVIEWS_NOTE}的错误", tally.reviews, "reviews.xlsx 中未采用的调整或申诉，见“校验问题”"),
                      SEVERITY_FILLS.get(SEVERITY_LABELS[ERROR])))
    notes.append(("text", ("不属于某一期间的问题（如无法识别的文件、基础数据文件的问题）不在本工作簿中，"
                           "见同一输出目录的 validation.json。",), None))
    notes.append(("heading", ("等级", "总分", ""), None))
    grades = dict(_grade_column(policy).fills)
    for i, grade in enumerate(policy.grades):
        low = f"低于 {_number(policy.grades[i - 1].min)}" if grade.min is None else f"不低于 {_number(grade.min)}"
        notes.append(("row", (grade.name, low, ""), grades[grade.name]))
    notes.append(("heading", ("表格提交状态", "", ""), None))
    notes += [("row", (label, "", ""), colour) for label, colour in SUBMISSION_FILLS.items()]
    if not is_year(period):
        zero = "、".join(policy.bonus.zero_grades) or "（无）"
        notes += [("heading", ("奖金的计算与取整", "", ""), None),
                  ("text", (f"季度奖金 = 奖金系数 × 季度奖金基数；奖金系数 = min(总分, {_number(policy.bonus.cap)})"
                            f" ÷ 100，等级为{zero}时为 0。",), None),
                  ("text", ("季度奖金按四舍五入保留到分（0.01 元），“合计”为各所取整后金额之和。",), None)]
    notes.append(("heading", ("工作表", "内容", ""), None))
    sheets = {**SHEET_NOTES, **YEAR_SHEET_NOTES} if is_year(period) else SHEET_NOTES
    notes += [("row", (t.title, sheets[t.title], ""), None) for t in tables]
    notes.append(("text", ("分数显示保留 1 位小数；等级和排名按未取整的分数确定。",), None))
    return tuple(notes)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# ---------------------------------------------------------------------------------------------
# Writing


def made_at(generated: datetime | None = None) -> datetime:
    """`generated`, else SOURCE_DATE_EPOCH (reproducible builds), else now (aware, local)."""
    if generated is not None:
        return generated
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now().astimezone()


def _shown(moment: datetime) -> str:
    text = moment.strftime("%Y-%m-%d %H:%M")
    offset = moment.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds()) // 60
    return f"{text}（UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}）"


def _moment(iso: str) -> str:
    """A closing record's ISO time (`2025-04-15T10:00:00+08:00`) as the 说明 sheet shows times."""
    try:
        return _shown(datetime.fromisoformat(iso))
    except ValueError:  # a record is checked when read; shown as written if its time is odd
        return iso


def render(made: Content, generated: datetime) -> bytes:
    """The .xlsx bytes of a Content; `generated` (naive = local time) dates it."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, BOOK_OPTIONS)
    # xlsxwriter writes this date as UTC ("…Z"); a naive moment is taken as local time
    utc = generated.astimezone(UTC).replace(tzinfo=None)
    book.set_properties({"title": f"业务所长考核结果 · {_label(made.period)}", "subject": "人力资源部",
                         "author": "业务所长考核", "created": utc})
    styles = _Styles(book)
    _write_notes(book, styles, made, _shown(generated))
    for table in made.tables:
        _write_table(book, styles, table, made.period)
    book.close()
    return buffer.getvalue()


class _Styles:
    """One xlsxwriter Format per (number format, fill, bold, wrap) used, shared by every cell."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.made: dict[tuple, Any] = {}
        self.header = book.add_format({"bold": True, "bg_color": HEADER_FILL, "text_wrap": True, "valign": "vcenter",
                                       "align": "center", "border": 1})

    def get(self, style: str | None = None, fill: str | None = None, bold: bool = False, wrap: bool = False):
        key = (style, fill, bold, wrap)
        if key not in self.made:
            # top-aligned: a row made tall by a cell of several lines reads from the top
            props: dict[str, Any] = {"valign": "top"}
            if style:
                props["num_format"] = style
            if fill:
                props["bg_color"] = fill
            if bold:
                props["bold"] = True
            if wrap:
                props["text_wrap"] = True
            self.made[key] = self.book.add_format(props)
        return self.made[key]


def _text_width(text: str) -> float:
    """Width in Excel's character units: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _line_count(text: str | None, width: float) -> int:
    """How many lines `text` takes in a wrapped column `width` characters wide."""
    # a line's display width without a loop over its characters: (UTF-8 bytes + characters) / 2
    # is 1 for ASCII and 2 for CJK (3 bytes); compared here doubled, as `limit`
    limit = 2 * max(1.0, width - 1)
    if not text or (len(text) * 4 <= limit and "\n" not in text):
        return 1
    count = 0
    for line in text.split("\n"):
        size = len(line.encode()) + len(line)
        count += 1 if size <= limit else math.ceil(size / limit)
    return count


def _widths(table: Table) -> list[float]:
    return [max(col.width, max(_text_width(line) for line in col.header.split("\n")) + 1.5) for col in table.columns]


def _print_setup(ws, title: str, period: str) -> None:
    """Landscape A4, header row on every page, where it came from in the page header."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    ws.set_header(f"&L业务所长考核结果 · {_label(period)}&R{title}")
    ws.set_footer("&C第 &P 页，共 &N 页")


def _write_table(book: xlsxwriter.Workbook, styles: _Styles, table: Table, period: str) -> None:
    ws = book.add_worksheet(table.title)
    columns = table.columns
    widths = _widths(table)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    lines = max(col.header.count("\n") + 1 for col in columns)
    ws.set_row(0, LINE_HEIGHT * lines + 3)  # set, not left to the reader: LibreOffice overlaps row 2
    for c, col in enumerate(columns):
        ws.write_string(0, c, col.header, styles.header)
    formats = [styles.get(col.style, wrap=col.wrap) for col in columns]
    fills = [{text: styles.get(col.style, colour) for text, colour in col.fills} for col in columns]
    coloured = {c for c, col in enumerate(columns) if col.fills}
    wrapped = [(c, widths[c]) for c, col in enumerate(columns) if col.wrap]
    number, string, isfinite, safe = ws.write_number, ws.write_string, math.isfinite, spreadsheet_safe
    for r, row in enumerate(table.rows, start=1):
        if wrapped:
            tall = 1
            for c, width in wrapped:
                tall = max(tall, _line_count(row[c], width))
            if tall > 1:  # set: neither Excel nor LibreOffice fits a row to wrapped text reliably
                ws.set_row(r, LINE_HEIGHT * tall)
        for c, value in enumerate(row):
            kind = type(value)
            if kind is str:
                if value:
                    string(r, c, safe(value), fills[c].get(value, formats[c]) if c in coloured else formats[c])
            elif kind is float or kind is int:
                if isfinite(value):
                    number(r, c, value, formats[c])
            elif kind is tuple:  # styled()
                value, style, fill = value
                fmt = styles.get(style or columns[c].style, fill)
                if isinstance(value, str):
                    string(r, c, safe(value), fmt)
                elif value is not None and isfinite(value):
                    number(r, c, value, fmt)
    last = len(table.rows)
    ws.autofilter(0, 0, last, len(columns) - 1)
    if table.total is not None:  # below the filtered range: sorting and filtering leave it last
        for c, value in enumerate(table.total):
            if isinstance(value, str):
                string(last + 1, c, value, styles.get(None, None, True))
            elif value is not None:
                number(last + 1, c, value, styles.get(columns[c].style, None, True))
    ws.freeze_panes(1, table.frozen)
    _print_setup(ws, table.title, period)
    ws.repeat_rows(0)
    if table.pages:
        _split_pages(ws, table, widths)
    else:
        ws.fit_to_pages(1, 0)


def _split_pages(ws, table: Table, widths: list[float]) -> None:
    """A sheet too wide for one readable page: a page per column group, the id columns repeated.

    Excel ignores manual page breaks under "fit to page", so the scale is set here instead:
    the largest that fits the widest group (with its repeated id columns) on A4 landscape.
    """
    px = [int(w * 7 + 5) for w in widths]  # Excel's column width -> pixels (default font)
    ids = sum(px[: table.frozen])
    bounds = [table.frozen, *table.pages, len(widths)]
    widest = (max(sum(px[a:b]) for a, b in zip(bounds, bounds[1:])) + ids) / PAGE_FILL
    ws.repeat_columns(0, table.frozen - 1)
    ws.set_v_pagebreaks(list(table.pages))
    ws.set_print_scale(max(10, min(100, int(PAGE_WIDTH_PX * 100 / widest))))


def _write_notes(book: xlsxwriter.Workbook, styles: _Styles, made: Content, generated: str) -> None:
    ws = book.add_worksheet("说明")
    for c, width in enumerate((16, 44, 44)):
        ws.set_column(c, c, width)
    title = book.add_format({"bold": True, "font_size": 14})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    left = book.add_format({"align": "left"})
    heading = styles.get(None, HEADER_FILL, True)
    r = 0
    for kind, cells, fill in made.notes:
        if kind == "title":
            ws.set_row(r, 22)
            ws.write_string(r, 0, cells[0], title)
        elif kind == "text":
            ws.set_row(r, 15 * math.ceil(_text_width(cells[0]) / 100) + 3)  # ~100 units in A:C
            ws.merge_range(r, 0, r, 2, "", wrap)
            ws.write_string(r, 0, cells[0], wrap)
        else:
            if kind == "heading":
                r += 1  # a blank line before each section
            for c, value in enumerate(cells):
                fmt = heading if kind == "heading" else styles.get(None, fill) if c == 0 else None
                if value == GENERATED:
                    value = generated
                if isinstance(value, str) and value:
                    ws.write_string(r, c, spreadsheet_safe(value), fmt)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value, fmt or left)  # counts beside their labels
                elif fmt is not None:
                    ws.write_blank(r, c, None, fmt)  # a heading's fill runs across the three columns
        r += 1
    _print_setup(ws, "说明", made.period)
    ws.fit_to_pages(1, 0)


__all__ = ["LAYOUT_VERSION", "Column", "Content", "Table", "content", "content_digest", "digest", "fen", "file_name",
           "render", "styled", "workbook_bytes", "write"]
