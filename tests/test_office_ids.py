"""Office ids that differ only in case: refused in HR's reference, and never sharing a page anyway."""

from __future__ import annotations

import dataclasses
import re
from html import unescape
from pathlib import Path

import pytest
from _site_helpers import sample_results, to_html
from _validation_helpers import good_office, hand_workbook, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.build import build_site
from pipeline.engine.reference import build_reference
from pipeline.findings import ERROR
from pipeline.outputs.form_workbook import write_templates
from pipeline.outputs.pages import office_page, render_results_pages
from pipeline.outputs.pages.env import relative_url

CASE_OFFICES = [
    {"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长甲", "region": "华北", "bonus_base": 30000},
    {"office_id": "bj01", "office_name": "北京二所", "head": "测试所长乙", "region": "华北", "bonus_base": 32000},
]

# ---------------------------------------------------------------------------------------------
# The reference


def test_ids_differing_only_in_case_are_an_error_naming_both_rows():
    offices = [{"office_id": "BJ01", "office_name": "北京一所"}, {"office_id": "SH01", "office_name": "上海一所"},
               {"office_id": "bj01", "office_name": "北京二所"}, {"office_id": "Sh01", "office_name": "上海二所"}]
    targets = [{"year": 2026, "quarter": "Q1", "office_id": o["office_id"], "sales_target": 500} for o in offices]
    reference, found = build_reference(hand_workbook("reference.xlsx", "reference", offices=offices, targets=targets))
    assert sorted(reference.offices) == ["BJ01", "SH01"]  # the first of each is kept, the later row refused
    assert sorted(reference.targets) == [("BJ01", "2026Q1"), ("SH01", "2026Q1")]
    assert [(f.code, f.severity, f.sheet, f.cell, f.row, f.column, f.value) for f in found] == [
        ("reference-office-case", ERROR, "业务所", "A4", 4, "所编号", "bj01"),
        ("reference-office-case", ERROR, "业务所", "A5", 5, "所编号", "Sh01"),
    ]  # no unknown-office finding for their targets: the one finding says it all
    assert found[0].message == "所编号“bj01”与第 2 行的“BJ01”仅大小写不同，本行未采用"


def _case_data(make_reference, make_workbook) -> None:
    make_reference(offices=CASE_OFFICES)
    good_office(make_workbook, "2026Q1", "BJ01")
    good_office(make_workbook, "2026Q1", "bj01")


def test_validate_reports_the_case_collision(data_dir, make_reference, make_workbook):
    """Hardening #5, as reported: BJ01 and bj01 in the reference were both scored without a word."""
    _case_data(make_reference, make_workbook)
    done = run_cli("validate", str(data_dir), "--no-cache")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "reference.xlsx › 业务所 › A3：所编号“bj01”与第 2 行的“BJ01”仅大小写不同，本行未采用" in done.stdout


def test_the_published_site_links_each_office_to_its_own_scorecard(data_dir, make_reference, make_workbook,
                                                                  tmp_path):
    """Hardening #5, as reported: 北京一所's link opened the other office's scorecard (one bj01.html for both)."""
    _case_data(make_reference, make_workbook)
    templates = tmp_path / "templates"
    write_templates(templates)
    site = tmp_path / "site"
    build_site(data_dir, site, keep_going=True, templates_dir=templates, workers=2)
    index = (site / "offices" / "index.html").read_text(encoding="utf-8")
    links = dict((unescape(name), href) for href, name in re.findall(r'<a href="([^"]+)">([^<]+)</a>', index))
    page = (site / "offices" / links["北京一所"]).read_text(encoding="utf-8")
    assert "北京一所" in page and "北京二所" not in page
    assert links["北京一所"] == "bj01.html"  # the ordinary id keeps its page name
    validation = (site / "validation.html").read_text(encoding="utf-8")
    assert 'data-code="reference-office-case"' in validation


# ---------------------------------------------------------------------------------------------
# Page names: collision-free whatever reaches the pages


def _renamed(results, names: dict[str, str]):
    """The sample results with office ids replaced (A01 -> BJ01, B02 -> bj01): two offices one page apart."""
    ref = results.dataset.reference
    ref.offices = {names.get(k, k): dataclasses.replace(o, office_id=names.get(k, k)) for k, o in ref.offices.items()}
    results.scorecards = [dataclasses.replace(c, office_id=names.get(c.office_id, c.office_id))
                          for c in results.scorecards]
    return results


def test_offices_differing_only_in_case_get_their_own_pages_and_links():
    results = _renamed(sample_results(), {"A01": "BJ01", "B02": "bj01"})
    pages = render_results_pages(results)
    mine, other = office_page("BJ01"), office_page("bj01")
    assert mine == "offices/bj01.md" and other != mine and other in pages
    assert "北京测试一所" in pages[mine] and "上海测试二所" not in pages[mine]
    assert "上海测试二所" in pages[other] and "北京测试一所" not in pages[other]
    for source in ("offices/index.md", "results/2026Q1.md"):
        html = to_html(pages[source])
        for name, office_id in (("北京测试一所", "BJ01"), ("上海测试二所", "bj01")):
            href = relative_url(source, office_page(office_id))
            assert f'<a href="{href}">{name}</a>' in html, (source, name)


@pytest.mark.parametrize(("office_id", "page"), [
    ("BJ01", "offices/bj01.md"), ("SH-01", "offices/sh-01.md"), ("X_99", "offices/x_99.md"),
    ("bj01", "offices/bj01.ed62970263ca.md"), ("北京01", "offices/01.4d85f4416329.md"),
])
def test_page_names_of_ordinary_ids_are_unchanged(office_id, page):
    assert office_page(office_id) == page


_ID = st.text(st.sampled_from("BJbj01-_ 北京Kk\u212a"), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ID, min_size=2, max_size=8, unique=True))
def test_distinct_ids_never_share_a_page(ids):
    pages = [office_page(i) for i in ids]
    assert len(set(pages)) == len(ids)
    assert all(re.fullmatch(r"offices/[0-9a-z_.-]+\.md", p) for p in pages)


@given(st.from_regex(r"[A-Z0-9][A-Z0-9_-]{0,18}[A-Z0-9]", fullmatch=True))
def test_an_ordinary_id_keeps_its_lower_case_page(office_id):
    assert office_page(office_id) == f"offices/{office_id.lower()}.md"


def test_an_office_page_name_is_short_for_a_long_id():
    assert len(Path(office_page("X" * 20_000)).name) < 64
