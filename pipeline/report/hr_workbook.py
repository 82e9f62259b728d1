"""hr-report.xlsx: HR's consolidated workbook (scores, bonuses, honours, submissions, provenance).

Salary data (bonus bases and amounts) appears here and nowhere else. Every string that came from
the input is written as text (never a formula) through spreadsheet_safe. The file is byte-for-byte
deterministic: fixed document dates and zip timestamps.

Written with xlsxwriter rather than openpyxl: the provenance sheet alone has ~25 cells per office
and quarter, and openpyxl's cell serialiser made a 1000-office report take about a minute.
xlsxwriter's own per-cell path (calls, a stored tuple and an XML element per cell) still took
~12 s at 1,000 offices (1.6 million cells, 1.1 million of them provenance), so the table sheets
render their rows straight to sheet XML (`sheet_xml.TableSheet`): the same bytes xlsxwriter writes, about
4× faster (the rest is mostly zlib, which xlsxwriter runs at its default level). Everything
else (columns, freeze, filters, print setup, conditional formats, charts, shared strings,
styles, the zip) is still xlsxwriter's. Tests reopen the file with openpyxl and compare the
fast sheets with xlsxwriter's own per-cell output.
"""

from __future__ import annotations

import io
import re
import sys
import threading
import zipfile
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter import packager
from xlsxwriter.sharedstrings import SharedStrings

from ..findings import SEVERITY_LABELS
from ..forms import OFFICE_FORMS
from ..model import SCORED, STATUS_LABELS, Dataset, Results, Scorecard
from ..validation import submission_matrix
from .safe import spreadsheet_safe
from .sheet_xml import TableSheet

FIXED_DATE = datetime(2026, 1, 1)  # document properties: a constant, so reruns give identical bytes
PERCENT, MONEY, SCORE, COEFFICIENT, INTEGER = "0.0%", "#,##0.00", "0.0", "0.000", "0"
HEADER_FILL = "#DDEBF7"
GRADE_FILLS = {"优秀": "#C6EFCE", "良好": "#DDEBF7", "合格": "#FFF2CC", "不合格": "#FFC7CE"}
RATE_INFO = ("on_time_rate", "budget_variance")  # informational figures shown as percentages
CHART_TOP = 30  # offices in the score chart: beyond that bars become unreadable
SUBMISSION_LABELS = {"submitted": "已提交", "errors": "有错误", "missing": "未提交"}
SUBMISSION_FILLS = {"已提交": "#C6EFCE", "有错误": "#FFC7CE", "未提交": "#FFEB9C"}
# Text is only ever written with write_string; these options also stop write() from guessing.
BOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}


ZIP_LEVEL = 1  # deflate level of the zip members (see _Book)
_ZIP_LOCK = threading.Lock()


class _FastZipInfo(zipfile.ZipInfo):
    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compresslevel = ZIP_LEVEL


# A shared string xlsxwriter writes as plain `<si><t>…</t></si>`: no control character or
# `_xHHHH_` to escape, nothing to escape for XML, no edge whitespace, not a rich string.
_SST_SPECIAL = re.compile(r"[\x00-\x1f&<>_]|^\s|\s$")


class _FastSharedStrings(SharedStrings):
    """sharedStrings.xml as xlsxwriter writes it, with one test per plain string instead of its
    five regex passes and calls (75,000 strings at 1,000 offices)."""

    def _write_sst_strings(self) -> None:
        write, special, careful = self.fh.write, _SST_SPECIAL.search, self._write_si
        for string in self.string_table.string_array:
            if special(string) is None:
                write(f"<si><t>{string}</t></si>")
            else:
                careful(string)


class _Members:
    """Stands in for the ZipFile xlsxwriter stores a workbook in: keeps each (ZipInfo, bytes)
    member, so that the zip (zlib, which runs without the GIL) is made later, in a thread."""

    def __init__(self, file: Any, mode: str = "w", compression: int = zipfile.ZIP_DEFLATED,
                 allowZip64: bool = True) -> None:  # noqa: N803 (xlsxwriter's keyword)
        # `file` (xlsxwriter's buffer) and `mode` are not needed: the thread writes the zip itself
        self.compression, self.allow_zip64 = compression, allowZip64
        self.members: list[tuple[zipfile.ZipInfo, bytes]] = []

    def writestr(self, info: zipfile.ZipInfo, data: bytes) -> None:
        self.members.append((info, data))

    def close(self) -> None:
        pass

    def zip(self) -> bytes:
        """The zip xlsxwriter's own ZipFile would have written: same calls in the same order."""
        buffer = io.BytesIO()
        members, self.members = self.members, []
        members.reverse()
        with zipfile.ZipFile(buffer, "w", compression=self.compression, allowZip64=self.allow_zip64) as out:
            while members:  # each member let go once deflated
                out.writestr(*members.pop())
        return buffer.getvalue()


class _Book(xlsxwriter.Workbook):
    """xlsxwriter's workbook, its zip members deflated at level 1 and its shared strings written
    by `_FastSharedStrings`; `close` leaves the members in `self.stored` (`_Members`) unzipped.

    The sheet XML is very repetitive: at 1,000 offices (53 MB of XML) level 1 deflates in a third
    of the time (0.3 s instead of 0.85 s) for a file 30% larger (12 MB instead of 9.5 MB).
    xlsxwriter has no option for either; it makes a ZipFile, a ZipInfo per member and a
    SharedStrings in its packager, so those names are swapped while the file is stored (under a
    lock; another writer meanwhile would only deflate faster and write the same shared strings).
    """

    stored: _Members | None = None

    def _store_workbook(self) -> None:
        def members(*args: Any, **kwargs: Any) -> _Members:
            self.stored = _Members(*args, **kwargs)
            return self.stored

        with _ZIP_LOCK:
            module = sys.modules[xlsxwriter.Workbook.__module__]
            saved = module.ZipInfo, module.ZipFile, packager.SharedStrings
            module.ZipInfo, module.ZipFile, packager.SharedStrings = _FastZipInfo, members, _FastSharedStrings
            try:
                super()._store_workbook()
            finally:
                module.ZipInfo, module.ZipFile, packager.SharedStrings = saved


class Pending:
    """A workbook being zipped and written by a thread; `wait` returns when the file is written
    and raises what the thread raised (OSError for an unwritable path)."""

    def __init__(self, members: _Members, path: Path) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, args=(members, path), name="hr-report-zip",
                                        daemon=True)
        self._thread.start()

    def _write(self, members: _Members, path: Path) -> None:
        try:
            path.write_bytes(members.zip())
        except BaseException as exc:  # handed to the caller by wait()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error


class _Col:
    """One column of a sheet: header, width, number format and how to get the value.

    `get` None: the sheet's rows are already tuples of values in column order.
    """

    def __init__(self, header: str, get, width: float = 12, fmt: str | None = None):
        self.header, self.get, self.width, self.fmt = header, get, width, fmt


def write_hr_report(results: Results, dataset: Dataset | None, path: str | Path,
                    generated: datetime = FIXED_DATE, matrix: dict | None = None) -> None:
    """Write hr-report.xlsx for HR; `generated` becomes the document's dates.

    `matrix`: the dataset's `submission_matrix` when the caller has already made it.
    """
    start_hr_report(results, dataset, path, generated, matrix).wait()


def start_hr_report(results: Results, dataset: Dataset | None, path: str | Path,
                    generated: datetime = FIXED_DATE, matrix: dict | None = None) -> Pending:
    """`write_hr_report`, except that the zip is made and written by a thread: call `wait()` on
    the result. The caller's other work meanwhile hides the deflating (0.2 s at 1,000 offices)."""
    dataset = dataset or results.dataset
    book = _Book(io.BytesIO(), BOOK_OPTIONS)
    book.set_properties({"title": "业务所长考核结果(人力资源部)", "author": "业务所长考核", "created": generated})
    fmt = _Formats(book)
    policy = results.policy
    quarters = [c for c in results.scorecards if c.cycle == "quarterly"]
    years = [c for c in results.scorecards if c.cycle == "annual"]
    _table(book, fmt, "季度考核", _card_columns(policy, "quarterly"), quarters, grade_col="等级")
    _table(book, fmt, "年度考核", _card_columns(policy, "annual") + [_Col("荣誉", lambda c: "、".join(c.honours), 30)],
           years, grade_col="等级")
    _table(book, fmt, "奖金", _bonus_columns(dataset), quarters, grade_col="等级")
    _table(book, fmt, "荣誉与激励", _honour_columns(policy), [c for c in years if c.status == SCORED],
           grade_col="等级")
    _submissions(book, fmt, dataset, matrix if matrix is not None else submission_matrix(dataset))
    _table(book, fmt, "指标来源", _source_columns(), list(_source_rows(results)))
    _table(book, fmt, "校验问题", _finding_columns(), [*dataset.findings, *results.findings])
    _charts(book, fmt, results)
    book.close()
    if book.stored is None:  # xlsxwriter stored the workbook some other way than _store_workbook
        raise RuntimeError("hr-report.xlsx: xlsxwriter did not hand over the workbook's parts")
    return Pending(book.stored, Path(path))


# ---------------------------------------------------------------------------------------------
# Columns


def _kpi(key: str, attr: str):
    return lambda c: getattr(c.kpis[key], attr) if key in c.kpis else None


def _identity() -> list[_Col]:
    return [
        _Col("期间", lambda c: c.period, 9),
        _Col("所编号", lambda c: c.office_id, 9),
        _Col("业务所名称", lambda c: c.office_name, 16),
        _Col("所长", lambda c: c.head, 10),
        _Col("区域", lambda c: c.region, 8),
    ]


def _card_columns(policy, cycle: str) -> list[_Col]:
    cols = _identity() + [
        _Col("状态", lambda c: STATUS_LABELS.get(c.status, c.status), 9),
        _Col("说明", lambda c: c.status_reason, 30),
        _Col("销售额(万元)", lambda c: c.sales, 13, MONEY),
        _Col("销售目标(万元)", lambda c: c.sales_target, 13, MONEY),
    ]
    for kpi in policy.kpis.values():
        cols.append(_Col(kpi.name, _kpi(kpi.key, "value"), 13, PERCENT if kpi.unit == "percent" else SCORE))
    for key, name in policy.informational.items():  # unscored, for reference
        fmt = PERCENT if key in RATE_INFO else INTEGER
        cols.append(_Col(f"{name}(参考)", lambda c, k=key: c.informational.get(k), 12, fmt))
    for kpi in policy.kpis.values():
        if kpi.weight[cycle] > 0:
            cols.append(_Col(f"{kpi.name}得分", _kpi(kpi.key, "score"), 11, SCORE))
    for block, name in policy.blocks.items():
        if any(k.weight[cycle] > 0 for k in policy.kpis_in_block(block)):
            cols.append(_Col(f"{name}得分", lambda c, b=block: c.block_scores.get(b), 11, SCORE))
    return cols + [
        _Col("总分", lambda c: c.score, 8, SCORE),
        _Col("等级", lambda c: c.grade, 8),
        _Col("排名", lambda c: c.rank, 6, INTEGER),
    ]


def _bonus_columns(dataset: Dataset) -> list[_Col]:
    def base(card: Scorecard):
        office = dataset.reference.offices.get(card.office_id)
        return office.bonus_base if office else None

    return _identity() + [
        _Col("状态", lambda c: STATUS_LABELS.get(c.status, c.status), 9),
        _Col("总分", lambda c: c.score, 8, SCORE),
        _Col("等级", lambda c: c.grade, 8),
        _Col("奖金系数", lambda c: c.bonus_coefficient, 10, COEFFICIENT),
        _Col("季度奖金基数(元)", base, 15, MONEY),
        _Col("季度奖金(元)", lambda c: c.bonus_amount, 15, MONEY),
    ]


def _honour_columns(policy) -> list[_Col]:
    names = [policy.special_award.name, policy.excellent_head.name, policy.promotion.name, policy.development.name]
    return [
        _Col("年度", lambda c: c.period, 8),
        *_identity()[1:],
        _Col("总分", lambda c: c.score, 8, SCORE),
        _Col("等级", lambda c: c.grade, 8),
        _Col("排名", lambda c: c.rank, 6, INTEGER),
        *[_Col(n, lambda c, n=n: "是" if n in c.honours else "", 14) for n in names],
    ]


def _source_rows(results: Results):
    """One row per source of a quarterly KPI, as the tuple of `_source_columns` values.

    A year's KPI pools its quarters, whose rows already name every cell: it gets one row with
    its own numerator and denominator and a pointer to them (repeating them would triple the sheet).
    Plain tuples rather than a getter per cell: at 1,000 offices this sheet has ~90,000 rows.
    """
    names = {key: kpi.name for key, kpi in results.policy.kpis.items()}
    no_source = (None,) * 5
    for card in results.scorecards:
        office = (card.period, card.office_id, card.office_name)
        for key, kpi in card.kpis.items():
            figures = (names[key], kpi.value, kpi.numerator, kpi.denominator, kpi.reason)
            if card.cycle == "annual":
                yield *office, *figures, f"{card.period}Q1–Q4 四个季度合计,各项来源见各季度的行", *no_source
                continue
            if not kpi.sources:
                yield *office, *figures, "", *no_source
            for src in kpi.sources:
                yield (*office, *figures, src.what, src.file, src.sheet, src.cells, src.template_version,
                       src.sha256)


def _source_columns() -> list[_Col]:
    """The columns of `_source_rows`' tuples (no getters: the rows are the values)."""
    return [
        _Col("期间", None, 9),
        _Col("所编号", None, 9),
        _Col("业务所名称", None, 16),
        _Col("指标", None, 14),
        _Col("指标值", None, 12, "0.0000"),
        _Col("分子", None, 12, "#,##0.00##"),
        _Col("分母", None, 12, "#,##0.00##"),
        _Col("无法计算的原因", None, 22),
        _Col("数据项", None, 26),
        _Col("文件", None, 34),
        _Col("工作表", None, 10),
        _Col("单元格", None, 12),
        _Col("模板版本", None, 9),
        _Col("SHA-256", None, 20),
    ]


def _finding_columns() -> list[_Col]:
    return [
        _Col("级别", lambda f: SEVERITY_LABELS.get(f.severity, f.severity), 7),
        _Col("代码", lambda f: f.code, 22),
        _Col("问题", lambda f: f.title, 18),
        _Col("所编号", lambda f: f.office_id, 9),
        _Col("期间", lambda f: f.period, 9),
        _Col("文件", lambda f: f.file, 34),
        _Col("工作表", lambda f: f.sheet, 10),
        _Col("单元格", lambda f: f.cell or (f"第 {f.row} 行" if f.row else ""), 9),
        _Col("列", lambda f: f.column, 12),
        _Col("说明", lambda f: f.message, 60),
        _Col("所见值", lambda f: f.value, 16),
    ]


# ---------------------------------------------------------------------------------------------
# Sheets


class _Formats:
    """xlsxwriter formats, created once per workbook and shared by every cell that uses them."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.header = book.add_format({"bold": True, "bg_color": HEADER_FILL, "text_wrap": True, "valign": "vcenter"})
        self._numbers: dict[str, Any] = {}
        self._fills: dict[str, Any] = {}

    def number(self, fmt: str | None):
        if fmt is None:
            return None
        if fmt not in self._numbers:
            self._numbers[fmt] = self.book.add_format({"num_format": fmt})
        return self._numbers[fmt]

    def fill(self, colour: str):
        if colour not in self._fills:
            self._fills[colour] = self.book.add_format({"bg_color": colour})
        return self._fills[colour]


def _table(book: xlsxwriter.Workbook, fmt: _Formats, title: str, cols: Sequence[_Col], rows: Sequence[Any],
           grade_col: str | None = None):
    """A sheet with a bold frozen header, formats, widths, an autofilter and grade colours."""
    ws = book.add_worksheet(title, worksheet_class=TableSheet)
    for c, col in enumerate(cols):
        ws.set_column(c, c, col.width)
    getters = [col.get for col in cols]
    body = rows if all(get is None for get in getters) else ([get(row) for get in getters] for row in rows)
    ws.set_table([col.header for col in cols], fmt.header, [fmt.number(col.fmt) for col in cols], body)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), len(cols) - 1)
    _print_setup(ws)
    ws.repeat_rows(0)
    if grade_col is not None and rows:
        _colour(ws, fmt, [c.header for c in cols].index(grade_col), len(rows), GRADE_FILLS)
    return ws


def _print_setup(ws) -> None:
    """Landscape A4, one page wide: HR prints these sheets."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _colour(ws, fmt: _Formats, col: int, count: int, fills: dict[str, str]) -> None:
    """Conditional formatting: a fill per text value (the grade, or a submission state)."""
    for text, colour in fills.items():
        ws.conditional_format(1, col, max(count, 1), col, {"type": "cell", "criteria": "==", "value": f'"{text}"',
                                                           "format": fmt.fill(colour)})


def _submissions(book: xlsxwriter.Workbook, fmt: _Formats, dataset: Dataset, matrix: dict) -> None:
    """提交情况: each office × quarter × form — 已提交 / 有错误 / 未提交."""
    cols = [
        _Col("期间", lambda r: r[0], 9),
        _Col("所编号", lambda r: r[1], 9),
        _Col("业务所名称", lambda r: r[2], 16),
        *[_Col(f.title, lambda r, i=i: r[3][i], 14) for i, f in enumerate(OFFICE_FORMS)],
        _Col("未提交", lambda r: r[4], 40),
    ]
    rows = []
    for period in sorted(matrix):
        for office_id in sorted(matrix[period]):
            office = dataset.reference.offices.get(office_id)
            states = [SUBMISSION_LABELS.get(matrix[period][office_id].get(f.id, "missing"), "未提交")
                      for f in OFFICE_FORMS]
            absent = "、".join(f.title for f, s in zip(OFFICE_FORMS, states) if s == "未提交")
            rows.append((period, office_id, office.name if office else "", states, absent))
    ws = _table(book, fmt, "提交情况", cols, rows)
    for i in range(len(OFFICE_FORMS)):
        _colour(ws, fmt, 3 + i, len(rows), SUBMISSION_FILLS)


def _charts(book: xlsxwriter.Workbook, fmt: _Formats, results: Results) -> None:
    """图表: scores of the latest scored period (annual preferred) and its grade distribution."""
    ws = book.add_worksheet("图表")
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 10)
    _print_setup(ws)
    scored = [c for c in results.scorecards if c.status == SCORED]
    years = [c.period for c in scored if c.cycle == "annual"]
    latest = max(years) if years else max((c.period for c in scored), default=None)
    if latest is None:
        ws.write_string(0, 0, "暂无已评分的结果")
        return
    cards = sorted((c for c in scored if c.period == latest), key=lambda c: (-c.score, c.office_id))
    label = f"{latest}年度" if len(latest) == 4 else latest
    # the grade counts first (a short table), then every office's score below it
    counts = Counter(c.grade for c in cards)
    grades = [g.name for g in results.policy.grades]
    ws.write_string(0, 0, "等级", fmt.header)
    ws.write_string(0, 1, "业务所数", fmt.header)
    for i, grade in enumerate(grades, start=1):
        ws.write_string(i, 0, grade)
        ws.write_number(i, 1, counts.get(grade, 0))
    top = len(grades) + 2
    ws.write_string(top, 0, f"业务所({label})", fmt.header)
    ws.write_string(top, 1, "总分", fmt.header)
    for r, c in enumerate(cards, start=top + 1):
        ws.write_string(r, 0, spreadsheet_safe(c.office_name or c.office_id))
        ws.write_number(r, 1, c.score, fmt.number(SCORE))
    dist = book.add_chart({"type": "column"})
    dist.add_series({"name": "业务所数", "categories": ["图表", 1, 0, len(grades), 0],
                     "values": ["图表", 1, 1, len(grades), 1], "fill": {"color": "#4F81BD"}})
    dist.set_title({"name": f"{label}等级分布"})
    dist.set_legend({"none": True})
    dist.set_y_axis({"major_unit": 1, "num_format": "0"})  # counts of offices: whole numbers
    dist.set_size({"width": 620, "height": 300})
    ws.insert_chart(0, 3, dist)
    n = min(len(cards), CHART_TOP)  # the table lists every office; the chart its top
    bar = book.add_chart({"type": "bar"})
    bar.add_series({"name": "总分", "categories": ["图表", top + 1, 0, top + n, 0],
                    "values": ["图表", top + 1, 1, top + n, 1], "fill": {"color": "#4F81BD"}})
    bar.set_title({"name": f"{label}考核得分" + (f"(前 {n} 名)" if n < len(cards) else "")})
    bar.set_legend({"none": True})
    bar.set_x_axis({"name": "总分", "num_format": "0"})
    # best office at the top; every office labelled
    bar.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"size": 8}})
    bar.set_size({"width": 620, "height": 100 + 30 * n})
    ws.insert_chart(17, 3, bar)  # below the grade chart (300 px ≈ 15 rows)
