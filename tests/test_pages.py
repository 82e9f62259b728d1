"""Generated pages: field reference, finding codes, rankings, scorecards, boards, escaping."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from string import Formatter

import pytest
from _attack_strings import ATTACKS, MARKERS
from _site_helpers import (
    HOSTILE_HEAD,
    HOSTILE_NAME,
    PRIVATE_VALUE,
    sample_results,
    to_html,
)

from pipeline.engine.model import INCOMPLETE
from pipeline.findings import CATALOGUE, finding
from pipeline.forms import ALL_FORMS
from pipeline.outputs.pages import escape, render_codes, render_fields, render_results_pages
from pipeline.outputs.pages.reference import PLACEHOLDERS, code_shape
from pipeline.outputs.pages.results import render_office, render_period, render_validation
from pipeline.periods import period_label


@pytest.fixture(scope="module")
def results():
    return sample_results()


@pytest.fixture(scope="module")
def pages(results):
    return render_results_pages(results)


def row(html: str, office_id: str) -> str:
    m = re.search(rf'<tr data-office="{office_id}">(.*?)</tr>', html, re.S)
    assert m, f"no row for {office_id}"
    return m.group(1)


def cells(row_html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]


def test_field_reference_lists_every_form_sheet_and_field():
    text = render_fields()
    for form in ALL_FORMS:
        assert f"## {form.title}（`{form.filename}`） {{ #form-{form.id} }}" in text
        assert f"当前版本 **{form.version}**" in text
        for sheet in form.sheets:
            assert f"### 工作表“{sheet.name}”" in text
            table = text.split(f'data-sheet="{form.id}/{sheet.key}"', 1)[1].split("</table>", 1)[0]
            for f in sheet.fields:
                assert (f'<td data-label="列"><code>{sheet.column_letter(f.key)}</code></td> '
                        f'<td data-label="表头"><strong>{f.label}</strong>') in table
                assert f.describe() in table
            for rule in sheet.rules:
                assert rule.describe(sheet) in text
        for f in form.cover:
            assert f"<strong>{f.label}</strong>" in text


def test_field_reference_never_shows_examples_of_private_fields():
    text = render_fields()
    roster = text.split('data-sheet="recruitment/roster"', 1)[1].split("</table>", 1)[0]
    name_row = re.search(r'<tr><td data-label="列"><code>B</code></td>.*?</tr>', roster).group(0)
    assert '<span class="pii">个人信息</span>' in name_row
    assert cells(name_row)[-1] == "—"


def test_codes_page_lists_every_catalogue_code_with_its_fix():
    text = render_codes()
    for code in CATALOGUE.values():
        assert f"### {code.title} {{ #{code.code} }}" in text
        assert f"<code>{code.code}</code>" in text
    assert "“〈列名〉”为必填项，不能为空" in text  # template placeholders shown as slots
    assert "从网站下载 最新 版模板" in text  # fix placeholders turned into words
    assert "{" not in re.sub(r"\{ #[\w-]+ \}", "", text)


@pytest.fixture(scope="module")
def codes_page():
    return render_codes()


@pytest.mark.parametrize("code", CATALOGUE.values(), ids=lambda c: c.code)
def test_every_placeholder_of_a_code_is_shown_by_a_chinese_name(code, codes_page):
    """The codes page showed “〈gap_start〉 至 〈gap_end〉”: a placeholder without a label kept its
    English name. Every placeholder has a label, and every slot of the page is Chinese."""
    names = [name for _, name, _, _ in Formatter().parse(code.template) if name is not None]
    assert [n for n in names if n not in PLACEHOLDERS] == []
    shape = code_shape(code.template)
    slots = re.findall(r"〈([^〉]*)〉", shape)
    assert slots == [PLACEHOLDERS[n] for n in names] and "{" not in shape
    assert [s for s in slots if re.search(r"[A-Za-z]", s)] == []
    assert shape in codes_page


def test_the_codes_page_names_a_head_gap_by_its_dates(codes_page):
    text = codes_page
    assert "〈业务所〉在 〈起始日期〉 至 〈结束日期〉 没有在任所长" in text
    assert re.findall(r"〈[^〉]*[A-Za-z][^〉]*〉", text) == []


def test_ranking_page_has_exact_ranks_scores_grades_and_blocks(pages):
    html = to_html(pages["results/2026Q1.md"])
    # 客户满意度指标 weighs 0 in a quarter: no column for it
    assert '<th scope="col" class="extra">业务指标</th> <th scope="col" class="extra">团队管理指标</th> </tr>' in html
    assert cells(row(html, "A01")) == ["1", "北京测试一所 A01", "测试所长甲", "92.3", "优秀", "96.0", "88.5"]
    assert cells(row(html, "B02")) == ["2", "上海测试二所 B02", "测试所长乙", "83.9", "良好", "96.0", "88.5"]
    assert html.index('data-office="A01"') < html.index('data-office="B02"')
    assert '<a href="../offices/a01.html">北京测试一所</a>' in html


def test_offices_not_scored_are_shown_with_their_status(pages):
    html = to_html(pages["results/2026Q1.md"])
    invalid = re.search(r'<tr data-office="X99" data-status="invalid">(.*?)</tr>', html, re.S).group(1)
    assert "数据有误" in invalid
    year = to_html(pages["results/2026.md"])
    assert year.count('data-status="incomplete"') == 3
    assert "数据不全" in year


def test_grade_distribution_chart_counts_grades(results):
    text = render_period(results, "2026Q1")
    assert "<desc" in text and "优秀 1 个，良好 1 个，合格 0 个，不合格 0 个（共 2 个）" in text
    data = re.search(r'<div class="visually-hidden"><table class="chart-data">.*?</table></div>', to_html(text)).group(0)
    assert '<th scope="row">优秀</th><td>1</td>' in data and '<th scope="col">业务所数</th>' in data


def test_office_trends_are_described_and_tabled(results):
    html = to_html(render_office(results, "A01"))
    figures = re.findall(r"<figure[^>]*>.*?</figure>", html, re.S)
    assert figures and all('role="img"' in f and "<desc" in f and '<table class="chart-data">' in f for f in figures)
    assert "季度考核得分：首期 2026Q1 为 92.3，末期 2026Q2 为 92.3" in figures[0]


def test_scorecard_page_explains_the_score(results):
    html = to_html(render_office(results, "A01"))
    assert '<span class="value" data-field="score">92.3</span>' in html
    kpi = re.search(r'<tr data-kpi="销售目标完成率">(.*?)</tr>', html, re.S).group(1)
    # one decimal, as the handbook says; the weight once, as nothing was shared out
    assert cells(kpi) == ["销售目标完成率 业务指标", "95.3%", "95.3", "35", "33.4"]
    sat = re.search(r'<tr data-kpi="客户满意度">(.*?)</tr>', html, re.S).group(1)
    # the satisfaction survey's 0–100 value is not shown like the KPI's score beside it
    # a weight of 0 (the survey counts in the year only) says so, not a bare 0 beside a dash
    assert cells(sat) == ["客户满意度 客户满意度指标", "88.0 / 100", "93.3", "0 本期不计分", "—"]
    assert '<td data-label="考核得分"><strong>92.3</strong></td>' in html
    assert "92.31" not in html and "33.35" not in html
    assert "<code>submissions/2026Q2/A01/clients.xlsx</code> › 客户 › <code>G2:G9</code>" in unescape(html)
    assert "季度考核得分趋势" in html and "<svg" in html


def test_na_kpi_shows_its_reason_and_shared_weight(results):
    html = to_html(render_office(results, "B02"))
    growth = re.search(r'<tr data-kpi="销售增长率">(.*?)</tr>', html, re.S).group(1)
    assert cells(growth) == ["销售增长率 业务指标", "不适用 缺少数据", "—", "15 实际 0.0", "—"]
    attain = re.search(r'<tr data-kpi="销售目标完成率">(.*?)</tr>', html, re.S).group(1)
    assert cells(attain)[3] == "35 实际 41.2"  # 35 of the 85 points still scored


def test_submission_board_marks_each_template(pages):
    html = to_html(pages["submissions.md"])
    q2 = html.split('data-period="2026Q2"', 1)[1].split("</table>", 1)[0]
    b02 = re.search(r'<tr data-office="B02">(.*?)</tr>', q2, re.S).group(1)
    assert cells(b02)[1:] == ["已提交", "已提交", "已提交", "未提交"]
    q1 = html.split('data-period="2026Q1"', 1)[1].split("</table>", 1)[0]
    x99 = re.search(r'<tr data-office="X99">(.*?)</tr>', q1, re.S).group(1)
    assert cells(x99)[1:] == ["有错误", "未提交", "未提交", "未提交"]


def test_validation_report_groups_by_office_and_never_prints_values(pages):
    text = pages["validation.md"]
    assert "**2** 个错误" in text and "另有 1 处数值已自动规范化" in text
    html = to_html(text)
    assert "<code>submissions/2026Q1/X99/recruitment.xlsx</code>" in unescape(html)
    assert re.search(r'<tr data-code="type-date"><td data-label="位置">团队名册 › <code>D7</code></td>', html)
    assert 'href="guide/codes.html#required-blank"' in html
    assert PRIVATE_VALUE not in text
    assert "1,234" not in text  # even public values are not echoed: the report shows places and fixes


def test_no_salary_data_on_any_page(pages):
    everything = "\n".join(pages.values())
    for secret in ("31234.5", "31,234.5", "30000", "30,000", "99999", "32000"):
        assert secret not in everything


HOSTILE_RENDERED = {
    HOSTILE_NAME: "&#60;script&#62;alert&#40;1&#41;&#60;/script&#62;",
    HOSTILE_HEAD: "&#91;x&#93;&#40;javascript&#58;alert&#40;1&#41;&#41;",
}


def test_hostile_strings_are_shown_as_text(pages):
    for path in ("results/2026Q1.md", "offices/index.md", "offices/x99.md", "submissions.md", "validation.md"):
        text = pages[path]
        html = to_html(text)
        assert "<script" not in html.replace("&#60;script", "")
        assert 'href="javascript' not in html
        assert "49" not in re.sub(r"\d{3,}", "", html)  # {{ 7*7 }} never evaluated
        for marker in MARKERS:
            assert marker.lower() not in html.lower()
    office = pages["offices/x99.md"]
    assert f"\n# {HOSTILE_RENDERED[HOSTILE_NAME]}\n" in office
    assert "<" not in office.split("---", 2)[1]  # the front-matter title is escaped too
    assert HOSTILE_RENDERED[HOSTILE_HEAD] in office
    period = pages["results/2026Q1.md"]
    assert "&#123;&#123; 7&#42;7 &#125;&#125;" in period
    assert "&#124; a &#124; b &#124;" not in period or "<table" in period  # pipes never start a table row


@pytest.mark.parametrize("attack", ATTACKS)
def test_md_text_makes_every_attack_inert(attack):
    html = to_html(f"<p>{escape.md_text(attack)}</p>\n\n# {escape.md_text(attack)}\n\n| {escape.md_text(attack)} |")
    for marker in MARKERS:
        assert marker.lower() not in html.lower()
    assert "<script" not in html and "<img" not in html and "<iframe" not in html and "<base" not in html
    assert 'href="' not in html
    assert "<h1" in html and html.count("<h1") == 1  # no heading injected from inside the text


@pytest.mark.parametrize(("text", "expected"), [
    ("| a | b |", "&#124; a &#124; b &#124;"),
    ("a\nb", "a b"),
    ("`x`", "&#96;x&#96;"),
    ("\u202e反向\u200b字", "反向字"),
    ("x" * 201, "x" * 200 + "…"),
    ("{% if %}", "&#123;&#37; if &#37;&#125;"),
    ("*_[]", "&#42;&#95;&#91;&#93;"),
    (None, ""),
])
def test_md_text_table(text, expected):
    assert escape.md_text(text) == expected


def test_slug_keeps_distinct_ids_distinct():
    assert escape.slug("BJ01") == "bj01"
    assert escape.slug("北京") != escape.slug("上海")
    assert re.fullmatch(r"[0-9a-z_-]+", escape.slug("北京/../x"))


def test_year_page_lists_honours_and_the_office_page_shows_them():
    import dataclasses

    results = sample_results()
    a01 = next(c for c in results.scorecards if c.period == "2026Q1" and c.office_id == "A01")
    b02 = next(c for c in results.scorecards if c.period == "2026Q1" and c.office_id == "B02")
    results.scorecards += [
        dataclasses.replace(a01, period="2025", cycle="annual", honours=("优秀业务所长", "培训与发展激励")),
        dataclasses.replace(b02, period="2025", cycle="annual", honours=()),
    ]
    html = to_html(render_period(results, "2025"))
    honours = html.split('id="honours"', 1)[1].split('id="ranking"', 1)[0]
    blocks = re.findall(r'<p class="honour-name">(.*?)</p>(.*?)</div>', honours, re.S)
    assert [name for name, _ in blocks] == ["优秀业务所长", "年终特别奖励", "晋升优先", "培训与发展激励"]
    assert ["北京测试一所" in body for _, body in blocks] == [True, False, False, True]
    assert "本年度无" in blocks[1][1]
    assert '<th scope="col" class="extra">客户满意度指标</th>' in html  # the annual cycle weighs customer satisfaction
    office = to_html(render_office(results, "A01"))
    assert '<span class="honour-tag">优秀业务所长</span><span class="honour-tag">培训与发展激励</span>' in office


def test_office_pages_rendered_in_several_processes_are_the_same(results, pages, tmp_path, monkeypatch):
    """The build hands the pages to forked processes that write them; the pages are the same."""
    from pipeline import build

    monkeypatch.setattr(build, "PARALLEL_FROM", 0)
    for workers in (1, 2, 3):
        docs = tmp_path / f"docs{workers}"
        build.write_docs(results, docs, build_date="2026-07-01", workers=workers)
        assert {path: (docs / path).read_text(encoding="utf-8") for path in pages} == pages


def test_a_commands_output_left_in_docs_is_never_published(results, tmp_path):
    """Regression: `cd docs && kaohe remind` wrote 提醒-2026Q4/*.txt there, and the next build published it."""
    import shutil

    from pipeline import build
    from pipeline.build import DOCS_DIR, BuildError

    docs = tmp_path / "docs"
    shutil.copytree(DOCS_DIR, docs)
    (docs / ".DS_Store").write_bytes(b"\0")  # hidden files are neither sources nor published
    build.write_docs(results, tmp_path / "work", build_date="2026-07-01", docs_dir=docs)
    assert not (tmp_path / "work" / ".DS_Store").exists()
    (docs / "提醒-2026Q4").mkdir()
    stray = docs / "提醒-2026Q4" / "苏州一所-2026Q4-催交提醒.txt"
    stray.write_text("催交", encoding="utf-8")
    (docs / "考核结果-2026Q4.xlsx").write_bytes(b"PK")
    with pytest.raises(BuildError) as info:
        build.write_docs(results, tmp_path / "work2", build_date="2026-07-01", docs_dir=docs)
    assert info.value.usage and not (tmp_path / "work2").exists()
    assert info.value.message.startswith(f"{docs} 中有 2 个不是网站源文件的文件，为免误发布，网站未构建：\n")
    assert f"  - {stray}\n" in info.value.message and f"  - {docs / '考核结果-2026Q4.xlsx'}\n" in info.value.message


def test_a_commands_output_left_in_overrides_is_never_published(results, tmp_path, monkeypatch):
    """Regression: `cd overrides && kaohe remind` then `kaohe build` published the reminders (theme files)."""
    import shutil

    from pipeline import build
    from pipeline.build import OVERRIDES_DIR, BuildError

    overrides = tmp_path / "overrides"
    shutil.copytree(OVERRIDES_DIR, overrides)
    monkeypatch.setattr(build, "OVERRIDES_DIR", overrides)
    build.write_docs(results, tmp_path / "work", build_date="2026-07-01")  # its 404.html is a source
    (overrides / "提醒-2026Q4").mkdir()
    (overrides / "提醒-2026Q4" / "苏州一所-2026Q4-催交提醒.txt").write_text("催交", encoding="utf-8")
    with pytest.raises(BuildError) as info:
        build.write_docs(results, tmp_path / "work2", build_date="2026-07-01")
    assert info.value.message.startswith(f"{overrides} 中有 1 个不是网站源文件的文件，为免误发布，网站未构建：")
    assert "请把它们移出 overrides/" in info.value.message


def test_long_lists_in_build_errors_say_how_many_more():
    from pipeline.build import first_lines

    assert first_lines([f"第 {n} 处" for n in range(1, 4)], "处", limit=2) == "  - 第 1 处\n  - 第 2 处\n  ……另有 1 处"
    assert first_lines(["a", "b"], "处", limit=2) == "  - a\n  - b"


def test_submission_board_links_errors_to_their_findings_and_names_whom_to_follow_up(pages):
    html = to_html(pages["submissions.md"])
    q1 = html.split('data-period="2026Q1"', 1)[1].split("</table>", 1)[0]
    x99 = re.search(r'<tr data-office="X99">(.*?)</tr>', q1, re.S).group(1)
    assert '<a class="sub sub-errors" href="validation.html#office-x99"' in x99
    follow_up = re.search(r"需跟进的业务所（(\d+) 个）：(.*?)</p>", html.split('id="period-2026Q1"', 1)[1], re.S)
    named = re.findall(r'<a href="offices/[^"]+">', follow_up.group(2))
    assert int(follow_up.group(1)) == len(named) >= 1
    assert '<a href="offices/x99.html">' in follow_up.group(2)


def test_validation_report_names_offices_one_way_and_every_place(pages, results):
    text = pages["validation.md"]
    assert "{ #office-x99 }" in text
    assert re.search(r"^## .*（X99） \{ #office-x99 \}$", text, re.M)
    assert "(整体)" not in text and "（整体）" not in text and "所-期间" not in text
    html = to_html(text)
    places = re.findall(r'<td data-label="位置">(.*?)</td>', html)
    assert places and all(p.strip() for p in places)


def test_office_page_says_at_the_top_which_periods_have_errors(results):
    text = render_office(results, "X99")
    top = text.split("\n## ", 1)[0]
    assert '!!! danger "2026年第一季度的数据有错误"' in top
    assert 'href="../validation.html#office-x99"' in top
    assert "数据有错误" not in render_office(results, "A01")


def test_a_finding_of_no_file_is_placed_by_its_period():
    results = sample_results()
    results.findings.append(finding("kpi-not-available", office_id="A01", period="2026", office="北京测试一所（A01）",
                                    period_name="2026年度", kpi="客户满意度", reason="本期没有客户接受满意度调查"))
    html = to_html(render_validation(results))
    section = html.split('id="office-a01"', 1)[1]
    assert "与具体文件无关的问题" in section and "(整体)" not in html and "（整体）" not in html
    row = re.search(r'<tr data-code="kpi-not-available">(.*?)</tr>', section, re.S).group(1)
    assert cells(row)[0] == "2026年度"
    assert "北京测试一所（A01） 2026年度的客户满意度无法计算" in cells(row)[2]


def test_the_validation_report_counts_unscored_quarters_and_years_apart():
    """One incomplete quarter and one incomplete year are two things, not “未评分的年度：2 个” (a quarter
    counted as a year); X99's two invalid quarters are counted as quarters."""
    results = sample_results()
    results.scorecards = [
        replace(c, status=INCOMPLETE, status_reason="未提交项目管理，本期不评分")
        if (c.office_id, c.period) == ("B02", "2026Q2") else c
        for c in results.scorecards if c.period != "2026" or c.office_id == "A01"
    ]
    text = render_validation(results)
    assert ("    因数据有误而未评分：季度考核 2 个；因数据不全而未评分：季度考核 1 个、年度考核 1 个"
            "（每个业务所的每个季度、每个年度各算一个考核）。\n") in text
    assert "未评分的年度" not in text


def test_the_validation_report_leaves_out_a_cause_with_nothing_unscored():
    results = sample_results()
    results.scorecards = [c for c in results.scorecards if c.office_id != "X99"]
    text = render_validation(results)
    assert "    因数据不全而未评分：年度考核 2 个（每个业务所的每个季度、每个年度各算一个考核）。\n" in text
    assert "因数据有误" not in text


def test_findings_of_no_file_are_listed_quarters_first_then_the_year():
    """The page listed 2025年第三季度 before 2025年第二季度: rows of no file were ordered by their
    message, where 第三 (U+4E09) sorts before 第二 (U+4E8C) and 年度 before 年第."""
    results = sample_results()
    for period, kpi in (("2026", "客户满意度"), ("2026Q3", "培训计划完成率"), ("2026Q2", "团队绩效达标率"),
                        ("2026Q4", "市场占有率"), ("2026Q1", "客户满意度")):
        results.findings.append(finding("kpi-not-available", office_id="A01", period=period, office="北京测试一所（A01）",
                                        period_name=period_label(period), kpi=kpi, reason="没有数据"))
    results.dataset.findings.append(finding("submission-missing", office_id="A01", period="2026Q3", office="A01",
                                            period_name=period_label("2026Q3"), form="项目管理"))
    html = to_html(render_validation(results))
    section = html.split('id="office-a01"', 1)[1].split("<h2", 1)[0]
    rows = re.findall(r"<tr data-code=[^>]*>(.*?)</tr>", section, re.S)
    assert [cells(r)[0] for r in rows] == ["2026年第一季度", "2026年第二季度", "2026年第三季度", "2026年第三季度",
                                           "2026年第四季度", "2026年度"]
