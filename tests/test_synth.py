"""The synthetic company: deterministic bytes, the templates' shape, realistic row counts."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from pipeline import synth
from pipeline.forms import CLIENTS, OFFICE_FORMS, PROJECTS, RECRUITMENT, REFERENCE, TRAINING

# (form, sheet key, fewest rows, most rows) — the brief's realistic sizes with their spread
ROW_COUNTS = [
    (RECRUITMENT, "roster", 24, 40),
    (RECRUITMENT, "hiring", 2, 5),
    (TRAINING, "trainings", 16, 24),
    (CLIENTS, "clients", 90, 110),
    (PROJECTS, "projects", 12, 18),
]


def _sheets(data: bytes, tmp_path: Path) -> dict[str, list[list]]:
    path = tmp_path / "wb.xlsx"
    path.write_bytes(data)
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


@pytest.mark.parametrize(("index", "expected"), [(0, "BJ001"), (1, "SH001"), (9, "TJ001"), (10, "BJ002"),
                                                 (999, "TJ100"), (1000, "BJ101")])
def test_office_ids(index, expected):
    assert synth.office_id(index) == expected


def test_periods_are_quarters_of_the_years_in_order():
    assert synth.periods_for([2026, 2025]) == ("2025Q1", "2025Q2", "2025Q3", "2025Q4",
                                               "2026Q1", "2026Q2", "2026Q3", "2026Q4")


@pytest.mark.parametrize("form", OFFICE_FORMS, ids=lambda f: f.id)
def test_workbook_has_the_template_shape(form, tmp_path):
    sheets = _sheets(synth.office_workbook(form, 12, "2026Q2"), tmp_path)
    assert list(sheets) == ["封面", "填写说明", *[s.name for s in form.sheets], "_meta"]
    assert sheets["封面"][0] == ["所编号", "GZ002"]
    assert sheets["封面"][1] == ["期间", "2026Q2"]
    assert [r[0] for r in sheets["封面"]] == ["所编号", "期间", "填报人", "填报日期"]
    assert sheets["_meta"] == [["template_id", form.id], ["template_version", form.version],
                               ["structure_hash", form.structure_hash]]
    for sheet in form.sheets:
        assert tuple(sheets[sheet.name][0]) == sheet.labels


def test_meta_sheet_is_hidden_and_protected_and_custom_properties_agree(tmp_path):
    path = tmp_path / "clients.xlsx"
    path.write_bytes(synth.office_workbook(CLIENTS, 0, "2025Q1"))
    wb = openpyxl.load_workbook(path)
    assert wb["_meta"].sheet_state == "hidden"
    assert wb["_meta"].protection.sheet is True
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"template_id": "clients", "template_version": CLIENTS.version,
                     "structure_hash": CLIENTS.structure_hash}
    assert wb["客户"].freeze_panes == "A2"


def test_dates_are_date_cells_and_numbers_are_numbers(tmp_path):
    path = tmp_path / "training.xlsx"
    path.write_bytes(synth.office_workbook(TRAINING, 3, "2025Q4"))
    ws = openpyxl.load_workbook(path)["培训计划"]
    first = [c.value for c in ws[2]]
    assert first[0] == "T2025Q4-01"
    assert first[3].year == 2025 and first[3].month in (10, 11, 12)  # 计划日期 inside the quarter
    assert isinstance(first[4], int)  # 计划参训人数


@pytest.mark.parametrize(("form", "key", "low", "high"), ROW_COUNTS, ids=lambda x: getattr(x, "id", x))
def test_row_counts_are_realistic(form, key, low, high, tmp_path):
    name = form.sheet(key).name
    counts = [len(_sheets(synth.office_workbook(form, i, p), tmp_path)[name]) - 1
              for i in (0, 7, 23) for p in ("2025Q1", "2026Q4")]
    assert all(low <= n <= high for n in counts), counts


def test_same_parameters_give_the_same_bytes_and_others_differ():
    a = synth.office_workbook(CLIENTS, 5, "2026Q1", seed=7)
    assert a == synth.office_workbook(CLIENTS, 5, "2026Q1", seed=7)
    assert a != synth.office_workbook(CLIENTS, 5, "2026Q1", seed=8)
    assert a != synth.office_workbook(CLIENTS, 6, "2026Q1", seed=7)


def test_a_variant_changes_exactly_one_cell(tmp_path):
    base = _sheets(synth.office_workbook(CLIENTS, 5, "2026Q1"), tmp_path)["客户"]
    changed = _sheets(synth.office_workbook(CLIENTS, 5, "2026Q1", variant=1), tmp_path)["客户"]
    diffs = [(r, c) for r, row in enumerate(base) for c, v in enumerate(row) if changed[r][c] != v]
    assert diffs == [(1, 6)]  # G2: 本期销售额 of the first client
    assert changed[1][6] == pytest.approx(base[1][6] + 1)


def test_reference_has_every_office_and_a_target_per_quarter(tmp_path):
    periods = synth.periods_for([2025, 2026])
    sheets = _sheets(synth.reference_workbook(13, periods), tmp_path)
    assert list(sheets) == ["填写说明", "业务所", "季度目标", "_meta"]
    offices = sheets["业务所"]
    assert tuple(offices[0]) == REFERENCE.sheet("offices").labels
    assert [r[0] for r in offices[1:]] == [synth.office_id(i) for i in range(13)]
    targets = sheets["季度目标"][1:]
    assert len(targets) == 13 * 8
    assert {(int(r[0]), r[1]) for r in targets} == {(y, f"Q{q}") for y in (2025, 2026) for q in range(1, 5)}
    assert all(r[3] > 0 and r[5] > 0 for r in targets)  # 销售目标 and 市场规模 are positive


def test_a_subset_reference_agrees_with_the_full_one(tmp_path):
    periods = synth.periods_for([2026])
    small = _sheets(synth.reference_workbook(3, periods), tmp_path)
    large = _sheets(synth.reference_workbook(20, periods), tmp_path)
    assert small["业务所"] == large["业务所"][:4]
    assert small["季度目标"] == large["季度目标"][: 1 + 3 * 4]


def test_generate_company_writes_every_file_deterministically(tmp_path):
    a = synth.generate_company(tmp_path / "a", offices=3, years=[2026], workers=2)
    b = synth.generate_company(tmp_path / "b", offices=3, years=[2026], workers=1)
    files = sorted(p.relative_to(a.data_dir).as_posix() for p in a.data_dir.rglob("*.xlsx"))
    assert a.files == len(files) == 3 * 4 * 4 + 1
    assert files[0] == "reference.xlsx"
    assert "submissions/2026Q3/GZ001/projects.xlsx" in files
    assert all((a.data_dir / f).read_bytes() == (b.data_dir / f).read_bytes() for f in files)
    assert not list(a.data_dir.rglob("*.tmp"))
    for f in files:
        assert zipfile.ZipFile(a.data_dir / f).testzip() is None


def test_ensure_company_reuses_the_same_parameters_and_rebuilds_for_others(tmp_path):
    company, generated = synth.ensure_company(tmp_path, offices=2, years=[2026])
    assert generated is True
    marker = json.loads((tmp_path / "company.json").read_text("utf-8"))
    assert marker == {"offices": 2, "years": [2026], "seed": 7, "generator": synth.GENERATOR_VERSION}
    stamp = (company.data_dir / "reference.xlsx").stat().st_mtime_ns
    again, generated = synth.ensure_company(tmp_path, offices=2, years=[2026])
    assert generated is False and again == company
    assert (company.data_dir / "reference.xlsx").stat().st_mtime_ns == stamp
    bigger, generated = synth.ensure_company(tmp_path, offices=3, years=[2026])
    assert generated is True
    assert len(list(bigger.data_dir.rglob("*.xlsx"))) == 3 * 4 * 4 + 1


def test_an_interrupted_generation_is_redone(tmp_path):
    synth.ensure_company(tmp_path, offices=1, years=[2026])
    (tmp_path / "company.json").unlink()  # as if the run died before writing the marker
    stray = tmp_path / "data" / "submissions" / "2026Q1" / "XX999" / "clients.xlsx"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"partial")
    _, generated = synth.ensure_company(tmp_path, offices=1, years=[2026])
    assert generated is True
    assert not stray.exists()


def test_published_head_names_never_overlap_private_names():
    pools = synth._pools()
    assert len(pools["heads"]) == 200 and len(pools["people"]) == 400
    assert not [(p, h) for p in pools["people"] for h in pools["heads"] if p in h or h in p]
