"""Injection-proof outputs: hostile cell text is inert on every page, in scorecards.csv and in hr-report.xlsx."""

from __future__ import annotations

import csv
import re

import pytest
from _attack_strings import ATTACKS, FORMULA_PREFIXES, LONG, html_problems, html_text, write_hostile_dataset
from openpyxl import load_workbook

from pipeline.escape import clean_text

FORMULA_NAMES = ("=HYPERLINK(\"http://evil.example\",\"点击\")", "+1+cmd|' /C calc'!A0", "-2+3",
                 "@SUM(1+1)*cmd|' /C calc'!A0")


# ---------------------------------------------------------------------------------------------
# What "inert" means in HTML (the checker lives in _attack_strings, shared with the e2e suite)


def test_the_checker_catches_active_markup():
    """The checker itself must be able to fail: each of these is active HTML."""
    for active in ("<script>window.__pwned=1</script>", "<img src=x onerror=alert(1)>",
                   "<a href=' javascript:alert(1)'>x</a>", "<img src='http://evil.example/x.png'>",
                   "<iframe src=about:blank></iframe>", "<meta http-equiv=refresh content='0;url=/'>",
                   "<base href='/'>", "<svg onload=alert(1)>"):
        assert html_problems(f"<p>{active}</p>"), active
    assert html_problems("<p>&lt;script&gt;window.__pwned=1&lt;/script&gt; onerror&#61;</p>") == []


# ---------------------------------------------------------------------------------------------
# Pages: every attack string rendered by the real page code and the site's Markdown


def _markdown_to_html(text: str) -> str:
    """Markdown -> HTML with the extensions the site's MkDocs config really uses."""
    import markdown
    import yaml

    from pipeline.build import MKDOCS_CONFIG

    config = yaml.safe_load(MKDOCS_CONFIG.read_text("utf-8"))
    extensions, configs = [], {}
    for item in config.get("markdown_extensions", []):
        if isinstance(item, dict):
            (name, options), = item.items()
            extensions.append(name)
            configs[name] = options or {}
        else:
            extensions.append(item)
    return markdown.markdown(text, extensions=extensions, extension_configs=configs)


def _results_with(text: str):
    """A run whose every published text (office name, 所长, region, a finding's value) is `text`."""
    from pipeline.findings import finding
    from pipeline.model import INVALID, SCORED, Dataset, Office, Reference, Results, Scorecard
    from pipeline.policy import load_policy

    reference = Reference(offices={"BJ01": Office("BJ01", text, text, text, 30000.0),
                                   "SH01": Office("SH01", text, text, text, 30000.0)})
    bad = finding("choice-invalid", file="submissions/2026Q1/SH01/clients.xlsx", sheet="客户", cell="C2",
                  row=2, column="客户类型", value=text, seen=text, choices="新客户、老客户",
                  office_id="SH01", period="2026Q1")
    dataset = Dataset(data_dir="data", reference=reference, findings=[bad])
    cards = [Scorecard("2026Q1", "quarterly", "BJ01", office_name=text, head=text, region=text, status=SCORED,
                       score=91.0, grade="优秀", rank=1),
             Scorecard("2026Q1", "quarterly", "SH01", office_name=text, head=text, region=text, status=INVALID,
                       status_reason="本期提交的数据有错误")]
    return Results(policy=load_policy(), dataset=dataset, scorecards=cards)


@pytest.mark.parametrize("text", ATTACKS, ids=[f"attack{i}" for i in range(len(ATTACKS))])
def test_every_results_page_shows_attack_text_inertly(text):
    from pipeline.pages.results import render_results_pages

    pages = render_results_pages(_results_with(text))
    assert pages, "no pages rendered"
    shown = clean_text(text)
    for name, markdown_text in sorted(pages.items()):
        html = _markdown_to_html(markdown_text)
        assert html_problems(html) == [], name
    # the text is visible as typed (cleaned and, when long, cut with a marker) on the office page
    office_md = next(v for k, v in pages.items() if k.startswith("offices/") and "bj01" in k)
    # MkDocs/Material print the page title into <title> unescaped (and decode the H1's character
    # references), so the office page must give its title as front matter, already escaped
    import yaml

    assert office_md.startswith("---\n"), office_md[:80]
    title = yaml.safe_load(office_md.split("---\n")[1])["title"]
    assert not set(title) & set("<>\"'"), title
    office_html = _markdown_to_html(office_md.split("---\n", 2)[2])
    visible = html_text(office_html)
    expected = shown if len(shown) <= 60 else shown[:60]
    assert re.sub(r"\s+", " ", expected) in visible
    if "{{" in text or "{%" in text:  # Jinja syntax is shown, never evaluated
        assert shown in visible
    if text == LONG:
        assert len(office_html) < 200_000
        assert "…" in visible


# ---------------------------------------------------------------------------------------------
# Exports: scorecards.csv and hr-report.xlsx


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The `run` command's outputs for a data set whose office names start like formulas."""
    from pipeline.run import run_pipeline

    root = tmp_path_factory.mktemp("injection")
    written = write_hostile_dataset(root / "data", office_ids=("BJ01", "SH01", "GZ01", "SZ01"),
                                    office_names=FORMULA_NAMES, long_office=None)
    results, code = run_pipeline(root / "data", root / "out", workers=1)
    return root / "out", results, code, written


def test_hostile_offices_are_still_scored(hostile_run):
    _, results, code, _ = hostile_run
    assert code == 0
    assert {(c.office_id, c.status) for c in results.scorecards if c.period == "2026Q1"} == {
        ("BJ01", "scored"), ("SH01", "scored"), ("GZ01", "scored"), ("SZ01", "scored"),
        ("../<s>x\"", "missing"), ("<i>y</i>", "missing")}  # HR's two offices that sent nothing


def test_scorecards_csv_text_never_starts_like_a_formula(hostile_run):
    out, _, _, _ = hostile_run
    with (out / "scorecards.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {r["office_id"]: r["office_name"] for r in rows if r["period"] == "2026Q1"}
    assert names == {"BJ01": "'" + FORMULA_NAMES[0], "SH01": "'" + FORMULA_NAMES[1],
                     "GZ01": "'" + FORMULA_NAMES[2], "SZ01": "'" + FORMULA_NAMES[3],
                     "../<s>x\"": "'=\"evil\"", "<i>y</i>": "{{7*7}}"}
    for row in rows:
        for column in ("period", "office_id", "office_name", "status", "grade"):
            assert not row[column].startswith(FORMULA_PREFIXES), (column, row[column])


def _input_fragments(written: set[str]) -> list[str]:
    """Distinctive pieces of the input text (a formula built from input would contain one)."""
    pieces = {clean_text(t, 0) for t in written} | set(FORMULA_NAMES) | {"HYPERLINK", "cmd|", "evil.example"}
    return sorted(p for p in pieces if len(p) >= 4)


def test_hr_workbook_has_no_formula_from_input_and_prefixes_formula_like_text(hostile_run):
    out, _, _, written = hostile_run
    wb = load_workbook(out / "hr-report.xlsx")
    fragments = _input_fragments(written["texts"])
    seen_names: set[str] = set()
    checked = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f":
                    text = str(value)
                    hits = [f for f in fragments if f in text]
                    assert not hits, f"{ws.title}!{cell.coordinate} formula from input: {hits[:3]}"
                elif isinstance(value, str):
                    checked += 1
                    assert not value.startswith(FORMULA_PREFIXES), f"{ws.title}!{cell.coordinate}: {value[:30]!r}"
                    if value.startswith("'"):
                        seen_names.add(value[1:])
    assert checked > 50
    assert set(FORMULA_NAMES) <= seen_names  # the office names are there, prefixed


def test_hr_workbook_keeps_numbers_as_numbers(hostile_run):
    """Negative numbers are numbers, not text that needed a prefix."""
    out, results, _, _ = hostile_run
    wb = load_workbook(out / "hr-report.xlsx")
    numbers = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
               if c.data_type == "n" and isinstance(c.value, int | float)]
    scored = [c.score for c in results.scorecards if c.score is not None]
    assert any(abs(n - s) < 1e-9 for n in numbers for s in scored)
