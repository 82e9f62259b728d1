"""A fast, deterministic synthetic company for the benchmark: thousands of filled workbooks.

Filling templates with openpyxl costs tens of milliseconds a file, far too slow for 32,000 files,
so this module writes the OOXML parts itself from the form specs (inline strings, one date
style) — the same sheets, headers, cover and hidden `_meta` the real templates carry, valid for
the real reader. Every value comes from a `random.Random` seeded by (seed, office, period, form),
so the same parameters always give the same bytes, whichever worker wrote the file.

Names come from Faker (demo data only; they are fictional).
"""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from .forms import CLIENTS, OFFICE_FORMS, PROJECTS, RECRUITMENT, REFERENCE, TRAINING, Form
from .forms.cover import COVER_SHEET, INSTRUCTIONS_SHEET, META_SHEET

GENERATOR_VERSION = "3"  # bump when the generated content changes, so cached companies are rebuilt
PARAMS_FILE = "company.json"
CITIES = ("BJ", "SH", "GZ", "SZ", "CD", "WH", "XA", "NJ", "HZ", "TJ")
CITY_NAMES = ("北京", "上海", "广州", "深圳", "成都", "武汉", "西安", "南京", "杭州", "天津")
REGIONS = ("华北", "华东", "华南", "华南", "西南", "华中", "西北", "华东", "华东", "华北")


@dataclass(frozen=True)
class Company:
    """Where a generated company lives and what it holds."""

    data_dir: Path
    offices: int
    periods: tuple[str, ...]
    files: int

    def office_ids(self) -> list[str]:
        return [office_id(i) for i in range(self.offices)]


def office_id(index: int) -> str:
    """The i-th office id: BJ001, SH001, … GZ100 (ten cities, numbered within each)."""
    return f"{CITIES[index % len(CITIES)]}{index // len(CITIES) + 1:03d}"


def periods_for(years: Iterable[int]) -> tuple[str, ...]:
    return tuple(f"{y}Q{q}" for y in sorted(years) for q in range(1, 5))


# ---------------------------------------------------------------------------------------------
# The OOXML writer: the parts Excel itself writes, minus everything the reader never looks at.

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EPOCH = date(1899, 12, 30)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)  # fixed member timestamps keep the bytes deterministic
_STYLES = (
    _HEAD + f'<styleSheet {_NS}><fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_DATE_STYLE, _HEADER_STYLE = 1, 2
_HIDDEN = ' state="hidden"'


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(ref: str, value: Any, style: int = 0) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        s = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t>{_esc(value)}</t></is></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{(value - _EPOCH).days}</v></c>'
    return f'<c r="{ref}"><v>{value!r}</v></c>'


def _sheet_xml(rows: list[list[Any]], frozen: bool = False, protected: bool = False, header: bool = False) -> str:
    width = max((len(r) for r in rows), default=1)
    parts = [_HEAD, f"<worksheet {_NS} {_R_NS}>", f'<dimension ref="A1:{_col(width - 1)}{max(len(rows), 1)}"/>']
    pane = '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' if frozen else ""
    parts.append(f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews><sheetData>')
    for r, row in enumerate(rows, start=1):
        style = _HEADER_STYLE if header and r == 1 else 0
        cells = "".join(_cell(f"{_col(c)}{r}", v, style) for c, v in enumerate(row))
        parts.append(f'<row r="{r}">{cells}</row>')
    parts.append("</sheetData>")
    if protected:
        parts.append('<sheetProtection sheet="1" objects="1" scenarios="1"/>')
    parts.append("</worksheet>")
    return "".join(parts)


def xlsx_bytes(form: Form, tables: dict[str, list[list[Any]]], cover: dict[str, Any] | None) -> bytes:
    """A complete .xlsx of `form`: cover (office forms), 填写说明, data sheets, hidden `_meta`."""
    sheets: list[tuple[str, str, bool]] = []  # (name, xml, hidden)
    if form.has_cover:
        cover = cover or {}
        sheets.append((COVER_SHEET, _sheet_xml([[f.label, cover.get(f.key)] for f in form.cover]), False))
    guide = [["说明"], [form.help]] + [[f"{s.name}:{s.help}"] for s in form.sheets]
    sheets.append((INSTRUCTIONS_SHEET, _sheet_xml(guide), False))
    for s in form.sheets:
        rows = [list(s.labels), *tables.get(s.key, [])]
        sheets.append((s.name, _sheet_xml(rows, frozen=True, header=True), False))
    meta = [["template_id", form.id], ["template_version", form.version], ["structure_hash", form.structure_hash]]
    sheets.append((META_SHEET, _sheet_xml(meta, protected=True), True))

    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1))
    content_types = (
        _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}"
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        '<Override PartName="/docProps/custom.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>')
    root_rels = (
        _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
        f'<Relationship Id="rId4" Type="{_REL}/custom-properties" Target="docProps/custom.xml"/></Relationships>')
    sheet_entries = "".join(
        f'<sheet name="{_esc(name)}" sheetId="{i}"{_HIDDEN if hidden else ""} r:id="rId{i}"/>'
        for i, (name, _, hidden) in enumerate(sheets, start=1))
    workbook = (_HEAD + f'<workbook {_NS} {_R_NS}><bookViews><workbookView activeTab="0"/></bookViews>'
                f"<sheets>{sheet_entries}</sheets></workbook>")
    wb_rels = (
        _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, n + 1))
        + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
    core = (
        _HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_esc(form.title)}</dc:title>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created></cp:coreProperties>')
    app = (_HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           "<Application>Microsoft Excel</Application></Properties>")
    props = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{key}">'
        f"<vt:lpwstr>{_esc(value)}</vt:lpwstr></property>"
        for pid, (key, value) in enumerate(meta, start=2))
    custom = (_HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              f"{props}</Properties>")

    parts = [("[Content_Types].xml", content_types), ("_rels/.rels", root_rels), ("docProps/core.xml", core),
             ("docProps/app.xml", app), ("docProps/custom.xml", custom), ("xl/workbook.xml", workbook),
             ("xl/_rels/workbook.xml.rels", wb_rels), ("xl/styles.xml", _STYLES)]
    parts += [(f"xl/worksheets/sheet{i}.xml", xml) for i, (_, xml, _) in enumerate(sheets, start=1)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Name pools: built once per process from a fixed Faker seed.


@lru_cache(maxsize=1)
def _pools() -> dict[str, tuple[str, ...]]:
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(20260101)
    # 所长 names are published; staff, contacts and fillers are personal data the privacy gate
    # looks for on the site. Keep the two pools apart, not even one inside the other.
    heads: list[str] = []
    while len(heads) < 200:
        name = fake.name()
        if name not in heads:
            heads.append(name)
    people: list[str] = []
    while len(people) < 400:
        name = fake.name()
        # three characters at least: a two-character name turns up by chance where published
        # names and words meet in a page's text, and the gate would rightly refuse the site
        if len(name) >= 3 and name not in people and not any(name in h or h in name for h in heads):
            people.append(name)
    return {
        "heads": tuple(heads),
        "people": tuple(people),
        "companies": tuple(fake.company() for _ in range(300)),
        "phones": tuple(fake.phone_number() for _ in range(300)),
    }


def _rng(seed: int, *parts: object) -> random.Random:
    # str seeds hash with sha512: stable across processes and PYTHONHASHSEED
    return random.Random(":".join(str(p) for p in (seed, *parts)))


# ---------------------------------------------------------------------------------------------
# Rows per form. Each returns {sheet key: [row values in field order]}.


def _team(seed: int, office: str) -> list[tuple[str, date, date | None]]:
    """The office's people across the whole history: (工号, 入职日期, 离职日期 or None)."""
    rng = _rng(seed, office, "team")
    people = []
    for k in range(rng.randint(34, 40)):
        joined = date(2016, 1, 1) + timedelta(days=rng.randrange(0, 3650))
        left = None
        if rng.random() < 0.18 and joined < date(2026, 9, 1):
            left = max(joined + timedelta(days=30), date(2025, 1, 1) + timedelta(days=rng.randrange(0, 720)))
        people.append((f"{office}-E{k + 1:03d}", joined, left))
    return people


def _recruitment(rng: random.Random, seed: int, office: str, start: date, end: date) -> dict[str, list[list]]:
    pools = _pools()
    hiring = []
    for _ in range(rng.randint(2, 5)):
        planned = rng.randint(1, 4)
        hiring.append([rng.choice(("客户经理", "销售代表", "项目经理", "售前顾问", "行政助理")), planned,
                       rng.randint(0, planned), rng.choice(("校园招聘", "社会招聘", "内部推荐", "猎头", "其他")),
                       "本科及以上,相关工作经验优先", rng.choice(("进行中", "已完成", "已取消"))])
    roster = []
    for employee, joined, left in _team(seed, office):
        if joined > end or (left is not None and left < start):
            continue  # not on the team at any time in the quarter
        rating = rng.choices(("优秀", "良好", "合格", "待改进", "不合格", "未考核"), (18, 40, 30, 6, 2, 4))[0]
        # phrases no page of the site contains: the privacy gate treats them as personal data
        reason = rng.choice(("随家属迁居外地", "转行从事其他工作", "继续攻读学位")) if left and left <= end else None
        roster.append([employee, rng.choice(pools["people"]), rng.choice(("客户经理", "销售代表", "项目经理")),
                       joined, left if left and left <= end else None, reason, rating])
    return {"hiring": hiring, "roster": roster}


def _training(rng: random.Random, period: str, start: date) -> dict[str, list[list]]:
    rows = []
    for k in range(rng.randint(16, 24)):
        planned = start + timedelta(days=rng.randrange(0, 85))
        status = rng.choices(("已完成", "进行中", "未开始", "已取消"), (75, 10, 10, 5))[0]
        done = status == "已完成"
        attendees = rng.randint(5, 30)
        rows.append([f"T{period}-{k + 1:02d}", rng.choice(("大客户谈判技巧", "产品知识更新", "合规与风控", "项目管理实务")),
                     rng.choice(("内部课程", "外部专家讲座", "在线学习", "岗位带教")), planned, attendees,
                     planned + timedelta(days=rng.randint(0, 3)) if done else None,
                     max(0, attendees - rng.randint(0, 3)) if done else None, rng.choice((1, 1.5, 2, 3, 4)), status])
    return {"trainings": rows}


def _clients(rng: random.Random, office_index: int) -> dict[str, list[list]]:
    pools = _pools()
    scale = 0.6 + (office_index % 17) / 10  # offices differ in size, stably across quarters
    rows = []
    for k in range(rng.randint(90, 110)):
        complaints = rng.choices((0, 1, 2, 3), (70, 20, 7, 3))[0]
        surveyed = rng.random() < 0.7
        rows.append([f"C{k + 1:04d}", rng.choice(pools["companies"]), rng.choices(("新客户", "老客户"), (2, 8))[0],
                     rng.choice(("制造业", "金融", "零售", "医疗", "教育", "能源")), rng.choice(pools["people"]),
                     rng.choice(pools["phones"]), round(rng.uniform(0.5, 9.5) * scale, 2), rng.randint(0, 6),
                     round(rng.uniform(3.0, 5.0), 1) if surveyed else None, complaints, rng.randint(0, complaints)])
    return {"clients": rows}


def _projects(rng: random.Random, period: str, start: date, clients: int) -> dict[str, list[list]]:
    rows = []
    for k in range(rng.randint(12, 18)):
        begun = start - timedelta(days=rng.randrange(0, 200))
        planned_end = begun + timedelta(days=rng.randrange(30, 300))
        finished = rng.random() < 0.4
        budget = round(rng.uniform(10, 200), 1)
        rows.append([f"P{period}-{k + 1:02d}", f"项目{period}-{k + 1:02d}", f"C{rng.randint(1, clients):04d}",
                     rng.choice(("启动", "执行", "验收", "总结", "已关闭")), begun, planned_end,
                     planned_end + timedelta(days=rng.randint(-20, 30)) if finished else None, budget,
                     round(budget * rng.uniform(0.5, 1.2), 1), rng.choice(("通过", "未通过", "未验收")),
                     rng.randint(0, 4)])
    return {"projects": rows}


def office_workbook(form: Form, index: int, period: str, seed: int = 7, variant: int = 0) -> bytes:
    """The bytes of one filled office workbook; `variant` > 0 changes one value (incremental bench)."""
    office = office_id(index)
    year, quarter = int(period[:4]), int(period[-1])
    start = date(year, 3 * quarter - 2, 1)
    end = (date(year + quarter // 4, 3 * quarter % 12 + 1, 1)) - timedelta(days=1)
    rng = _rng(seed, office, period, form.id)
    if form is RECRUITMENT:
        tables = _recruitment(rng, seed, office, start, end)
    elif form is TRAINING:
        tables = _training(rng, period, start)
    elif form is CLIENTS:
        tables = _clients(rng, index)
    elif form is PROJECTS:
        tables = _projects(rng, period, start, 90)
    else:
        raise ValueError(form.id)
    if variant:
        _vary(form, tables, variant)
    cover = {"office_id": office, "period": period, "filled_by": _pools()["people"][index % 400],
             "filled_on": end + timedelta(days=5)}
    return xlsx_bytes(form, tables, cover)


def _vary(form: Form, tables: dict[str, list[list]], variant: int) -> None:
    """Change one number of the first data row so the file's bytes and its KPIs differ."""
    sheet = form.sheets[-1]
    rows = tables[sheet.key]
    for col, f in enumerate(sheet.fields):
        if f.type.kind == "number" and rows and rows[0][col] is not None:
            rows[0][col] = round(float(rows[0][col]) + variant, 2)
            return


def reference_workbook(offices: int, periods: Iterable[str], seed: int = 7) -> bytes:
    """HR's reference workbook: every office and a target per office and quarter."""
    pools = _pools()
    office_rows, target_rows = [], []
    for i in range(offices):
        oid = office_id(i)
        rng = _rng(seed, oid, "reference")
        city = i % len(CITIES)
        office_rows.append([oid, f"{CITY_NAMES[city]}第{i // len(CITIES) + 1}业务所", pools["heads"][(i * 7) % 200],
                            REGIONS[city], float(rng.choice((20000, 25000, 30000, 35000)))])
        scale = 0.6 + (i % 17) / 10
        for period in periods:
            expected = 500 * scale
            year = int(period[:4])
            prior = round(expected * rng.uniform(0.8, 1.1), 1) if year > 2025 or rng.random() < 0.5 else None
            target_rows.append([year, period[4:], oid, round(expected * rng.uniform(0.85, 1.2), 1), prior,
                                round(expected * rng.uniform(6, 14), 1)])
    return xlsx_bytes(REFERENCE, {"offices": office_rows, "targets": target_rows}, None)


# ---------------------------------------------------------------------------------------------
# The whole company on disk.


def _params(offices: int, years: tuple[int, ...], seed: int) -> dict[str, Any]:
    return {"offices": offices, "years": list(years), "seed": seed, "generator": GENERATOR_VERSION}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _write_offices(args: tuple[str, list[int], tuple[str, ...], int]) -> int:
    root, indexes, periods, seed = args
    count = 0
    for i in indexes:
        for period in periods:
            for form in OFFICE_FORMS:
                _write(submission_path(Path(root), i, period, form), office_workbook(form, i, period, seed))
                count += 1
    return count


def submission_path(data_dir: Path, index: int, period: str, form: Form) -> Path:
    return data_dir / "submissions" / period / office_id(index) / form.filename


def generate_company(data_dir: str | Path, offices: int = 1000, years: Iterable[int] = (2025, 2026),
                     seed: int = 7, workers: int = 0,
                     progress: Callable[[int, int], None] | None = None) -> Company:
    """Write reference.xlsx and every office's four workbooks per quarter into `data_dir`."""
    data_dir = Path(data_dir)
    periods = periods_for(years)
    _write(data_dir / "reference.xlsx", reference_workbook(offices, periods, seed))
    workers = workers or os.cpu_count() or 1
    chunk = max(1, min(25, offices // (workers * 4) or 1))
    jobs = [(str(data_dir), list(range(s, min(s + chunk, offices))), periods, seed) for s in range(0, offices, chunk)]
    total, done = offices * len(periods) * len(OFFICE_FORMS), 0
    if workers == 1 or len(jobs) == 1:
        results: Iterable[int] = map(_write_offices, jobs)
        for n in results:
            done += n
            if progress:
                progress(done, total)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for n in pool.map(_write_offices, jobs):
                done += n
                if progress:
                    progress(done, total)
    return Company(data_dir, offices, periods, total + 1)


def ensure_company(root: str | Path, offices: int = 1000, years: Iterable[int] = (2025, 2026), seed: int = 7,
                   workers: int = 0, progress: Callable[[int, int], None] | None = None) -> tuple[Company, bool]:
    """The company under `root/data`, generated only when missing or made with other parameters.

    Returns (company, generated). The parameters file is written last, so an interrupted
    generation is redone rather than reused.
    """
    root = Path(root)
    years = tuple(sorted(years))
    params = _params(offices, years, seed)
    marker = root / PARAMS_FILE
    data_dir = root / "data"
    periods = periods_for(years)
    files = offices * len(periods) * len(OFFICE_FORMS) + 1
    try:
        if json.loads(marker.read_text("utf-8")) == params:
            return Company(data_dir, offices, periods, files), False
    except (OSError, ValueError):
        pass
    if marker.exists():
        marker.unlink()
    if data_dir.exists():
        import shutil

        shutil.rmtree(data_dir)
    company = generate_company(data_dir, offices, years, seed, workers, progress)
    _write(marker, json.dumps(params).encode("utf-8"))
    return company, True


__all__ = [
    "Company", "ensure_company", "generate_company",
    "office_id", "office_workbook", "periods_for", "reference_workbook", "submission_path",
]
