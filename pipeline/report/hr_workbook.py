"""hr-report.xlsx: HR's consolidated workbook (scores, bonuses, honours, submissions, provenance).

Salary data (bonus bases and amounts) appears here and nowhere else. Every string that came from
the input is written as text (never a formula) through spreadsheet_safe. The file is byte-for-byte
deterministic: fixed document dates and zip timestamps.

Written with xlsxwriter rather than openpyxl: the provenance sheet alone has ~25 cells per office
and quarter, and openpyxl's cell serialiser made a 1000-office report take about a minute.
xlsxwriter's own per-cell path still took ~12 s at 1,000 offices (1.6 million cells), so the
table sheets' rows are rendered straight to sheet XML (`sheet_xml`), in groups (a period's rows,
or an office's provenance) that are deflated separately and spliced into the zip
(`xlsx_zip`). Rows carry no position and text is inline, so a rerun after one changed workbook
re-renders only the groups that changed (pipeline/rerun.py). Everything else (columns, freeze,
filters, print setup, conditional formats, the chart sheet, styles) is xlsxwriter's. Tests
reopen the file with openpyxl and compare the sheets with xlsxwriter's own per-cell output.
"""

from __future__ import annotations

import io
import re
import sys
import threading
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
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
from .sheet_xml import BODY, Cells, TableSheet, row, row_bytes
from .xlsx_zip import Piece, Spliced, deflate, write_zip

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


_ZIP_LOCK = threading.Lock()

# A shared string xlsxwriter writes as plain `<si><t>…</t></si>`: no control character or
# `_xHHHH_` to escape, nothing to escape for XML, no edge whitespace, not a rich string.
_SST_SPECIAL = re.compile(r"[\x00-\x1f&<>_]|^\s|\s$")


class _FastSharedStrings(SharedStrings):
    """sharedStrings.xml as xlsxwriter writes it, with one test per plain string instead of its
    five regex passes and calls (the chart sheet's; the table sheets use inline strings)."""

    def _write_sst_strings(self) -> None:
        write, special, careful = self.fh.write, _SST_SPECIAL.search, self._write_si
        for string in self.string_table.string_array:
            if special(string) is None:
                write(f"<si><t>{string}</t></si>")
            else:
                careful(string)


class _Members:
    """Stands in for the ZipFile xlsxwriter stores a workbook in: keeps each (name, bytes) member,
    so that the zip is written later, by a thread, with the table sheets' rows spliced in."""

    compression = zipfile.ZIP_DEFLATED  # read by xlsxwriter for each member's ZipInfo

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.members: list[tuple[str, bytes]] = []

    def writestr(self, info: zipfile.ZipInfo, data: bytes | str) -> None:
        self.members.append((info.filename, data.encode("utf-8") if isinstance(data, str) else data))

    def close(self) -> None:
        pass


class _Book(xlsxwriter.Workbook):
    """xlsxwriter's workbook, its shared strings written by `_FastSharedStrings`; `close` leaves
    the members in `self.stored` (`_Members`) for `Pending` to zip.

    xlsxwriter has no option for either; it makes a ZipFile and a SharedStrings in its packager,
    so those names are swapped while the file is stored (under a lock; another writer meanwhile
    would only write the same shared strings faster).
    """

    stored: _Members | None = None

    def _store_workbook(self) -> None:
        def members(*args: Any, **kwargs: Any) -> _Members:
            self.stored = _Members(*args, **kwargs)
            return self.stored

        with _ZIP_LOCK:
            module = sys.modules[xlsxwriter.Workbook.__module__]
            saved = module.ZipFile, packager.SharedStrings
            module.ZipFile, packager.SharedStrings = members, _FastSharedStrings
            try:
                super()._store_workbook()
            finally:
                module.ZipFile, packager.SharedStrings = saved


@dataclass
class Group:
    """Rows of one table sheet that are deflated together: a period's, or an office's provenance.

    `rows` are either plain values per row (`plain`: sources, findings; nothing is kept once
    rendered) or (office_id, cells before the tail, tail values) for the card and submission
    sheets, the cells as values until rendered, then as UTF-8 (what a rerun's snapshot keeps):
    a rerun re-renders a row whose tail (rank, honours) changed and reuses the rest.
    """

    key: Any
    count: int
    rows: list | None = None
    plain: bool = False
    nested: bool = False  # rows as source_group makes them
    raw: str | bytes | None = None  # rendered, not yet deflated
    piece: Piece | None = None
    reuse: tuple[Piece, list] | None = None  # a piece made before, and the rows it was made of


@dataclass
class Sheet:
    """A table sheet: its columns, where the tail starts, and its rows in groups."""

    title: str
    cols: list
    grade_col: str | None = None
    groups: list[Group] = field(default_factory=list)
    colour_cols: Sequence[int] = ()

    @property
    def count(self) -> int:
        return sum(g.count for g in self.groups)

    def __post_init__(self) -> None:
        headers = [c.header for c in self.cols]
        # the first column that depends on other offices: the rank, and what follows it
        self.tail_from = headers.index("排名") if "排名" in headers else len(headers)
        self.tail_getters = [c.get for c in self.cols[self.tail_from:]]


class Pending:
    """A workbook being zipped and written by a thread; `wait` returns when the file is written
    and raises what the thread raised (OSError for an unwritable path)."""

    def __init__(self, members: _Members, sheets: list[Sheet], path: Path) -> None:
        self._error: BaseException | None = None
        self.sheets = sheets
        self._thread = threading.Thread(target=self._write, args=(members, path), name="hr-report-zip",
                                        daemon=True)
        self._thread.start()

    def _write(self, members: _Members, path: Path) -> None:
        try:
            write_zip(path, _spliced(members, self.sheets))
        except BaseException as exc:  # handed to the caller by wait()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _spliced(members: _Members, sheets: list[Sheet]):
    """The members in order, each table sheet's with its groups' pieces at BODY (deflated here
    for groups that have only text: zlib runs without the GIL)."""
    body = BODY.encode("utf-8")
    tables = iter(sheets)
    stored, members.members = members.members, []
    stored.reverse()
    while stored:  # each member let go once written
        name, data = stored.pop()
        if name.startswith("xl/worksheets/sheet") and body in data:
            sheet = next(tables)
            for group in sheet.groups:
                if group.piece is None:
                    group.piece, group.raw = deflate(group.raw or ""), None
            head, tail = data.split(body)
            yield name, Spliced(head, [g.piece for g in sheet.groups], tail)
        else:
            yield name, data


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
    the result. The caller's other work meanwhile hides the deflating. `Pending.sheets` keeps
    the rows' groups (deflated once waited for), which a rerun reuses."""
    dataset = dataset or results.dataset
    matrix = matrix if matrix is not None else submission_matrix(dataset)
    sheets = table_sheets(results.policy, dataset.reference.offices)
    by_title = {s.title: s for s in sheets}
    quarters = [c for c in results.scorecards if c.cycle == "quarterly"]
    years = [c for c in results.scorecards if c.cycle == "annual"]
    plan = [("季度考核", quarters), ("年度考核", years), ("奖金", quarters),
            ("荣誉与激励", [c for c in years if c.status == SCORED])]
    for title, cards in plan:
        by_title[title].groups = _card_groups(by_title[title], cards)
    by_title["提交情况"].groups = _matrix_groups(by_title["提交情况"], dataset, matrix)
    names = {key: kpi.name for key, kpi in results.policy.kpis.items()}
    # by office, each office's periods together: HR audits one office at a time, and a rerun
    # re-renders one office's rows (1,000 groups at 1,000 offices rather than 10,000)
    by_title["指标来源"].groups = [source_group(o, cards, names)
                                for o, cards in cards_by_office(results.scorecards).items()]
    findings = [*dataset.findings, *results.findings]
    by_title["校验问题"].groups = [Group("findings", len(findings), findings, plain=True)]
    return start_package(results.policy, results.scorecards, sheets, path, generated)


def table_sheets(policy, offices: dict) -> list[Sheet]:
    """The table sheets in workbook order, without rows (`offices`: the reference's, for bonus bases)."""
    return [
        Sheet("季度考核", _card_columns(policy, "quarterly"), "等级"),
        Sheet("年度考核", _card_columns(policy, "annual") + [_Col("荣誉", lambda c: "、".join(c.honours), 30)], "等级"),
        Sheet("奖金", _bonus_columns(offices), "等级"),
        Sheet("荣誉与激励", _honour_columns(policy), "等级"),
        Sheet("提交情况", _submission_columns(), colour_cols=range(3, 3 + len(OFFICE_FORMS))),
        Sheet("指标来源", _source_columns()),
        Sheet("校验问题", _finding_columns()),
    ]


def _card_groups(sheet: Sheet, cards: Sequence[Scorecard]) -> list[Group]:
    """A group per period; each row keeps its cells before the tail and its tail values."""
    getters, k = [col.get for col in sheet.cols], sheet.tail_from
    groups: dict[str, Group] = {}
    for card in cards:
        group = groups.get(card.period)
        if group is None:
            group = groups[card.period] = Group(card.period, 0, [])
        values = [get(card) for get in getters]
        group.rows.append((card.office_id, values[:k], tuple(values[k:])))
        group.count += 1
    return list(groups.values())


def card_tail(sheet: Sheet, card: Scorecard) -> tuple:
    """The values of a card's row that depend on other offices (rank, honours)."""
    return tuple([get(card) for get in sheet.tail_getters]) if sheet.tail_getters else ()


def start_package(policy, cards: Sequence[Scorecard], sheets: list[Sheet], path: str | Path,
                  generated: datetime = FIXED_DATE) -> Pending:
    """The workbook around the sheets' rows: xlsxwriter makes every part but the rows (columns,
    freeze, filters, print setup, conditional formats, the chart sheet, styles), then a thread
    deflates what is not yet deflated and writes the zip.

    Groups not yet rendered (values, or card rows whose cells are still a list) are rendered
    here, once the formats are numbered.
    """
    book = _Book(io.BytesIO(), BOOK_OPTIONS)
    book.set_properties({"title": "业务所长考核结果(人力资源部)", "author": "业务所长考核", "created": generated})
    fmt = _Formats(book)
    for sheet in sheets:
        _render(sheet, _table(book, fmt, sheet))
    _charts(book, fmt, policy, cards)
    book.close()
    if book.stored is None:  # xlsxwriter stored the workbook some other way than _store_workbook
        raise RuntimeError("hr-report.xlsx: xlsxwriter did not hand over the workbook's parts")
    return Pending(book.stored, sheets, Path(path))


def _render(sheet: Sheet, cells: Cells) -> None:
    """Render the groups that are neither deflated nor rendered yet (formats are numbered now)."""
    for group in sheet.groups:
        if group.piece is not None or group.raw is not None:
            continue
        if group.nested:
            group.raw, group.rows = _render_nested(group.rows, cells), None
            continue
        if group.plain:
            getters = [col.get for col in sheet.cols]
            values = group.rows if all(g is None for g in getters) else \
                ([get(r) for get in getters] for r in group.rows)
            group.raw, group.rows = "".join(row(cells.cells(v)) for v in values), None
            continue
        group.rows = [(office, prefix if isinstance(prefix, bytes) else cells.cells(prefix).encode(), tail)
                      for office, prefix, tail in group.rows]
        if group.reuse is not None and group.reuse[1] == group.rows:
            group.piece = group.reuse[0]  # the same rows as before: the same bytes
        else:  # the cells before the tail as kept, the tail rendered now
            group.raw = b"".join(row_bytes(prefix + cells.cells(tail, sheet.tail_from).encode())
                                 for _, prefix, tail in group.rows)
        group.reuse = None


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


def _bonus_columns(offices: dict) -> list[_Col]:
    def base(card: Scorecard):
        office = offices.get(card.office_id)
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


def source_group(office_id: str, cards: Sequence[Scorecard], names: dict[str, str]) -> Group:
    """The 指标来源 rows of one office (its cards in period order): a group of its own, which a
    rerun reuses while the office's files stay the same.

    A row is (period, office, name) + the KPI's figures + one source, in `_source_columns` order.
    They are kept nested — a card's cells, then each KPI's, then its sources — so that the
    shared cells are rendered once (~90,000 rows at 1,000 offices, ~1.3 a KPI, ~9 a card).
    A year's KPI pools its quarters, whose rows already name every cell: it gets one row with
    its own numerator and denominator and a pointer to them (repeating them would triple the sheet).
    """
    nested, count = [], 0
    no_source = (None,) * 5
    for card in cards:
        kpis = []
        for key, kpi in card.kpis.items():
            figures = (names[key], kpi.value, kpi.numerator, kpi.denominator, kpi.reason)
            if card.cycle == "annual":
                sources = [(f"{card.period}Q1–Q4 四个季度合计,各项来源见各季度的行", *no_source)]
            elif not kpi.sources:
                sources = [("", *no_source)]
            else:
                sources = [(src.what, src.file, src.sheet, src.cells, src.template_version, src.sha256)
                           for src in kpi.sources]
            kpis.append((figures, sources))
            count += len(sources)
        nested.append(((card.period, card.office_id, card.office_name), kpis))
    return Group(office_id, count, nested, nested=True)


def _render_nested(rows: list, cells: Cells) -> str:
    out = []
    for office, kpis in rows:
        head = cells.cells(office)
        for figures, sources in kpis:
            shared = head + cells.cells(figures, 3)
            out.extend(row(shared + cells.cells(source, 8)) for source in sources)
    return "".join(out)


def cards_by_office(cards: Sequence[Scorecard]) -> dict[str, list[Scorecard]]:
    """Each office's cards, in their order; offices in id order."""
    by_office: dict[str, list[Scorecard]] = {}
    for card in cards:
        by_office.setdefault(card.office_id, []).append(card)
    return dict(sorted(by_office.items()))


def _source_columns() -> list[_Col]:
    """The columns of `source_group`'s rows (no getters: the rows are the values)."""
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


def _table(book: xlsxwriter.Workbook, fmt: _Formats, sheet: Sheet) -> Cells:
    """A sheet with a bold frozen header, formats, widths, an autofilter and grade colours."""
    ws = book.add_worksheet(sheet.title, worksheet_class=TableSheet)
    cols, count = sheet.cols, sheet.count
    for c, col in enumerate(cols):
        ws.set_column(c, c, col.width)
    cells = ws.set_table([col.header for col in cols], fmt.header, [fmt.number(col.fmt) for col in cols], count)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, count, len(cols) - 1)
    _print_setup(ws)
    ws.repeat_rows(0)
    if sheet.grade_col is not None and count:
        _colour(ws, fmt, [c.header for c in cols].index(sheet.grade_col), count, GRADE_FILLS)
    for c in sheet.colour_cols:
        _colour(ws, fmt, c, count, SUBMISSION_FILLS)
    return cells


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


def _submission_columns() -> list[_Col]:
    """提交情况: each office × quarter × form — 已提交 / 有错误 / 未提交 (`submission_values`)."""
    return [
        _Col("期间", None, 9),
        _Col("所编号", None, 9),
        _Col("业务所名称", None, 16),
        *[_Col(f.title, None, 14) for f in OFFICE_FORMS],
        _Col("未提交", None, 40),
    ]


def submission_values(period: str, office_id: str, states: dict[str, str], offices: dict) -> list:
    """The 提交情况 row of one office-period from its matrix entry (form_id -> state); `offices`:
    the reference's, for the name."""
    office = offices.get(office_id)
    labels = [SUBMISSION_LABELS.get(states.get(f.id, "missing"), "未提交") for f in OFFICE_FORMS]
    absent = "、".join(f.title for f, s in zip(OFFICE_FORMS, labels) if s == "未提交")
    return [period, office_id, office.name if office else "", *labels, absent]


def _matrix_groups(sheet: Sheet, dataset: Dataset, matrix: dict) -> list[Group]:
    groups = []
    for period in sorted(matrix):
        rows = [(office_id, submission_values(period, office_id, matrix[period][office_id], dataset.reference.offices),
                 ())
                for office_id in sorted(matrix[period])]
        groups.append(Group(period, len(rows), rows))
    return groups


def _charts(book: xlsxwriter.Workbook, fmt: _Formats, policy, scorecards: Sequence[Scorecard]) -> None:
    """图表: scores of the latest scored period (annual preferred) and its grade distribution."""
    ws = book.add_worksheet("图表")
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 10)
    _print_setup(ws)
    scored = [c for c in scorecards if c.status == SCORED]
    years = [c.period for c in scored if c.cycle == "annual"]
    latest = max(years) if years else max((c.period for c in scored), default=None)
    if latest is None:
        ws.write_string(0, 0, "暂无已评分的结果")
        return
    cards = sorted((c for c in scored if c.period == latest), key=lambda c: (-c.score, c.office_id))
    label = f"{latest}年度" if len(latest) == 4 else latest
    # the grade counts first (a short table), then every office's score below it
    counts = Counter(c.grade for c in cards)
    grades = [g.name for g in policy.grades]
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
