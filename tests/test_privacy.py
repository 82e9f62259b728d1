"""The privacy gate: PII and salary values of a run's inputs are found wherever they land in a site."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest
from conftest import DEPUTY, default_cover, write_form
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.engine.model import Dataset, Office, Reference, Results, Scorecard
from pipeline.findings import HIDDEN, Finding, finding
from pipeline.forms import CLIENTS, RECRUITMENT, get_form
from pipeline.intake.aggregates import private_columns
from pipeline.intake.facts import Table, WorkbookFacts, encode_texts
from pipeline.outputs.form_workbook import write_template
from pipeline.outputs.privacy import (
    Leak,
    Matcher,
    check_privacy,
    exemptions,
    fold,
    mask,
    private_values,
    redact,
    scan_site,
    withhold_private,
)

HEAD = "欧阳所长"


def _facts(path: str, form_id: str, cover: dict, tables: dict[str, list[dict]]) -> WorkbookFacts:
    """A workbook's facts as the reader records them: the private values of its rows."""
    as_tables = {key: Table(tuple(range(2, 2 + len(rows))), {k: [r.get(k) for r in rows] for k in rows[0]})
                 for key, rows in tables.items() if rows}
    facts = WorkbookFacts(path=path, form_id=form_id, office_id="BJ01", period="2026Q1", cover=cover,
                          tables=as_tables)
    return dataclasses.replace(facts, texts=encode_texts(private_columns(facts, get_form(form_id))), tables={})


def _results(members=("司马青云",), reasons=("回老家照顾父母",), base=30000.0, bonus=25590.4,
             phone="138-1234-5678", clients=()) -> Results:
    """A small run as the pipeline's stages record it: one office, one roster, one client list."""
    reference = Reference(offices={"BJ01": Office("BJ01", "北京一所", HEAD, "华北", base)})
    roster = [{"employee_id": f"E{i}", "name": n, "leave_reason": r}
              for i, (n, r) in enumerate(zip(members, reasons + ("",) * len(members)))]
    recruitment = _facts("submissions/2026Q1/BJ01/recruitment.xlsx", "recruitment",
                         {"office_id": "BJ01", "period": "2026Q1", "filled_by": "诸葛填报"},
                         {"hiring": [], "roster": roster})
    client_rows = [{"client_id": "C1", "name": "甲公司", "contact": "上官联系", "phone": phone}]
    client_rows += [{"client_id": f"C{i + 2}", "name": name, "contact": None, "phone": None}
                    for i, name in enumerate(clients)]
    clients_wb = _facts("submissions/2026Q1/BJ01/clients.xlsx", "clients", {"filled_by": "诸葛填报"},
                        {"clients": client_rows})
    dataset = Dataset(data_dir="data", reference=reference, workbooks=[clients_wb, recruitment])
    card = Scorecard("2026Q1", "quarterly", "BJ01", office_name="北京一所", head=HEAD, score=85.3,
                     bonus_coefficient=0.853, bonus_amount=bonus)
    return Results(policy=None, dataset=dataset, scorecards=[card])


def _site(tmp_path: Path, pages: dict[str, str | bytes]) -> Path:
    site = tmp_path / "site"
    for rel, content in pages.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    return site


def test_private_values_are_keyed_by_column_and_cover_every_private_field():
    values = private_values(_results().dataset, _results())
    assert values["团队名册 › 姓名"] == {"司马青云"}
    assert values["团队名册 › 离职原因"] == {"回老家照顾父母"}
    assert values["封面 › 填报人"] == {"诸葛填报"}
    assert values["客户 › 联系人"] == {"上官联系"}
    assert values["客户 › 联系电话"] == {"138-1234-5678", "13812345678"}
    assert {"30000", "30,000", "30000.0", "30000.00", "3万"} <= values["业务所 › 季度奖金基数"]
    assert {"25590", "25591", "25,590", "25590.4", "25590.40"} <= values["考核结果 › 季度奖金金额"]
    # public on purpose: the 所长 and the office are not private values
    assert not any(HEAD in v or "北京一所" in v for vs in values.values() for v in vs)


def test_private_values_read_from_real_workbooks(data_dir, make_workbook, make_reference):
    """The gate collects values from what the reader really produced, not just hand-made records."""
    from pipeline.run import check

    make_reference()
    cover = dict(default_cover("submissions/2026Q1/BJ01/recruitment.xlsx"), filled_by=DEPUTY)  # not the head
    make_workbook("recruitment", "submissions/2026Q1/BJ01/recruitment.xlsx", cover=cover, rows={"roster": [
        {"employee_id": "E1", "name": "慕容真名", "join_date": "2024-01-02", "leave_date": "2026-02-01",
         "leave_reason": "另谋高就去了", "rating": "良好"}]})
    values = private_values(check(data_dir, workers=1)[0], None)
    assert values["团队名册 › 姓名"] == {"慕容真名"}
    assert values["团队名册 › 离职原因"] == {"另谋高就去了"}
    assert values["封面 › 填报人"] == {DEPUTY}
    assert {"30000", "32000", "3.2万"} <= values["业务所 › 季度奖金基数"]


@pytest.mark.parametrize(("shown", "column"), [
    ("<td>司马青云</td>", "团队名册 › 姓名"),
    ("<td>司马&#38738;云</td>", "团队名册 › 姓名"),  # an entity-encoded name is still the name
    ("<td>司\u200b马青\u202e云</td>", "团队名册 › 姓名"),  # zero-width/bidi characters do not hide it
    ("<p>原因:回老家照顾父母。</p>", "团队名册 › 离职原因"),
    ("<p>填报:诸葛填报</p>", "封面 › 填报人"),
    ("<p>电话 13812345678</p>", "客户 › 联系电话"),
    ("<p>电话 138-1234-5678</p>", "客户 › 联系电话"),
    ("<p>奖金 25,590 元</p>", "考核结果 › 季度奖金金额"),
    ("<p>奖金 25590.40</p>", "考核结果 › 季度奖金金额"),
    ("<p>奖金25591元</p>", "考核结果 › 季度奖金金额"),
    ("<script>var d={\"n\":\"\\u53f8\\u9a6c\\u9752\\u4e91\"}</script>", "团队名册 › 姓名"),
])
def test_a_planted_value_is_found_and_named(tmp_path, shown, column):
    site = _site(tmp_path, {"index.html": "<p>首页</p>", "offices/bj01/index.html": f"<html>{shown}</html>"})
    leaks = check_privacy(site, _results(base=41234.0))
    assert [(leak.page, leak.column) for leak in leaks] == [("offices/bj01/index.html", column)]


@pytest.mark.parametrize("shown", ["41000", "41,000", "41000.0", "41000.00", "4.1万", "¥41,000元", "4.10万"])
def test_salary_base_in_any_format_is_found(tmp_path, shown):
    site = _site(tmp_path, {"a.html": f"<p>基数 {shown}</p>"})
    leaks = check_privacy(site, _results(base=41000.0))
    assert [(x.page, x.column) for x in leaks] == [("a.html", "业务所 › 季度奖金基数")]


def test_the_forms_printed_example_base_is_not_a_leak(tmp_path):
    """30000 is the reference form's example 季度奖金基数, printed in every template's 填写说明."""
    site = _site(tmp_path, {"a.html": "<p>示例 30000</p>"})
    assert check_privacy(site, _results(base=30000.0)) == []


@pytest.mark.parametrize("shown", [
    "得分 85.3,排名 2", "增长率 12.5%", "130000", "4100", "41000.5", "141000", "41000123", "v41000",
    "2026Q1", "1.41000", "<svg xmlns=\"http://www.w3.org/41000/svg\">", "<path d=\"M41000 1h2\"/>",
])
def test_numbers_only_match_as_whole_tokens_of_the_same_value(tmp_path, shown):
    site = _site(tmp_path, {"a.html": f"<p>{shown}</p>"})
    assert check_privacy(site, _results(base=41000.0, bonus=0.0)) == []


def test_short_and_common_values_are_not_matched(tmp_path):
    # a one-character name, a Latin name under 4 letters, leave reasons that are also product text
    # (“其他” is a dropdown choice, “个人发展” is in the policy handbook)
    results = _results(members=("王", "Li", "Anna"), reasons=("其他", "个人发展", ""))
    site = _site(tmp_path, {"a.html": "<p>王 List Li 其他 Annabel 个人发展</p>"})
    assert check_privacy(site, results) == []
    site = _site(tmp_path, {"a.html": "<p>by Anna.</p>"})
    assert [x.column for x in check_privacy(site, results)] == ["团队名册 › 姓名"]


def test_head_names_and_office_names_are_not_leaks(tmp_path):
    # a team member who shares the 所长's name (or part of it), or the office's
    results = _results(members=(HEAD, "欧阳所", "北京", "慕容真名"), reasons=("",) * 4)
    site = _site(tmp_path, {"offices/bj01/index.html": f"<p>所长 {HEAD},北京一所</p>"})
    assert check_privacy(site, results) == []
    # the exemptions are per value: the other members are still found
    site = _site(tmp_path, {"offices/bj01/index.html": f"<p>所长 {HEAD},成员:慕容真名</p>"})
    assert [x.column for x in check_privacy(site, results)] == ["团队名册 › 姓名"]


def test_an_input_cell_holding_the_value_is_no_exemption(tmp_path):
    """The site never publishes an ordinary input cell (only findings quote cells, and they are
    masked): a name that is also typed into 任职要求 or a client's name is still a leak."""
    results = _results(members=("诸葛青云", "青山"), reasons=("",) * 2, clients=("诸葛青云", "青山科技"))
    site = _site(tmp_path, {"validation.html": "<td>实际为“诸葛青云”</td>", "a.html": "<p>客户 青山科技</p>"})
    assert [(x.page, x.column) for x in check_privacy(site, results)] == [
        ("a.html", "团队名册 › 姓名"), ("validation.html", "团队名册 › 姓名")]


def test_search_index_entries_are_decoded_and_named_by_location(tmp_path):
    index = {"config": {"lang": ["zh"]}, "docs": [
        {"location": "", "title": "首页", "text": "欢迎"},
        {"location": "offices/bj01/#roster", "title": "团队", "text": "成员 &lt;b&gt;司马青云&lt;/b&gt;"},
    ]}
    site = _site(tmp_path, {"search/search_index.json": json.dumps(index, ensure_ascii=True)})
    leaks = check_privacy(site, _results())
    assert leaks == [Leak(column="团队名册 › 姓名", page="search/search_index.json#offices/bj01/#roster", value="司***")]


def test_the_offline_search_index_script_is_scanned_too(tmp_path):
    index = {"docs": [{"location": "offices/bj01.html#roster", "title": "团队", "text": "成员 司马青云"}]}
    site = _site(tmp_path, {"search/search_index.js": "var __index = " + json.dumps(index, ensure_ascii=True)})
    leaks = check_privacy(site, _results())
    assert [(x.page, x.column) for x in leaks] == [("search/search_index.js#offices/bj01.html#roster", "团队名册 › 姓名")]


def test_every_shipped_text_format_is_scanned_but_assets_are_not(tmp_path):
    site = _site(tmp_path, {
        "data/export.csv": "office,contact\nBJ01,上官联系\n",
        "notes.txt": "填报人 诸葛填报",
        "sitemap.xml.gz": gzip.compress("<url>回老家照顾父母</url>".encode()),
        "feed.xml": "<item>13812345678</item>",
        "assets/javascripts/bundle.js": "var x='司马青云';",  # code we ship, not data: not scanned
        "assets/stylesheets/main.css": "/* 司马青云 */",
    })
    leaks = check_privacy(site, _results())
    assert [(x.page, x.column) for x in leaks] == [
        ("data/export.csv", "客户 › 联系人"),
        ("feed.xml", "客户 › 联系电话"),
        ("notes.txt", "封面 › 填报人"),
        ("sitemap.xml.gz", "团队名册 › 离职原因"),
    ]


def test_leak_text_names_column_and_page_but_never_the_value(tmp_path):
    site = _site(tmp_path, {"offices/bj01/index.html": "<p>司马青云</p>"})
    (leak,) = check_privacy(site, _results())
    assert leak.value == "司***" == redact("司马青云")
    assert leak.message() == ("offices/bj01/index.html 含有“团队名册 › 姓名”的值（司***），"
                              "该列为个人信息或薪酬数据，不得发布")
    assert "司马青云" not in leak.message()


def test_blank_downloadable_templates_pass_and_filled_ones_fail(tmp_path):
    site = tmp_path / "site"
    for form in (RECRUITMENT, CLIENTS):
        write_template(form, site / "downloads")
    assert check_privacy(site, _results()) == []

    write_form(RECRUITMENT, site / "downloads" / RECRUITMENT.download_name,  # as the site ships it
              cover={"office_id": "BJ01", "period": "2026Q1", "filled_by": "诸葛填报"},
              rows={"roster": [{"employee_id": "E1", "name": "司马青云"}]})
    leaks = check_privacy(site, _results())
    assert [(x.page, x.column) for x in leaks] == [
        ("downloads/招聘与团队.xlsx", "下载模板 › 团队名册 › 数据行"),
        ("downloads/招聘与团队.xlsx", "下载模板 › 封面 › 填报人"),
        ("downloads/招聘与团队.xlsx", "下载模板 › 封面 › 所编号"),
        ("downloads/招聘与团队.xlsx", "下载模板 › 封面 › 期间"),
        ("downloads/招聘与团队.xlsx", "团队名册 › 姓名"),
        ("downloads/招聘与团队.xlsx", "封面 › 填报人"),
    ]


def test_one_leak_per_page_and_column_sorted(tmp_path):
    site = _site(tmp_path, {
        "b.html": "<p>司马青云 司马青云 上官联系</p>",
        "a.html": "<p>司马青云</p>",
    })
    leaks = check_privacy(site, _results())
    assert [(x.page, x.column) for x in leaks] == [
        ("a.html", "团队名册 › 姓名"), ("b.html", "团队名册 › 姓名"), ("b.html", "客户 › 联系人")]


def test_many_values_and_pages_scan_quickly(tmp_path):
    """A company-sized roster compiles into one trie regex instead of one search per name."""
    names = {f"成员{chr(0x4E00 + i)}{chr(0x4E00 + i * 7 % 20000)}" for i in range(20000)}
    page = "<p>" + "普通文字,没有个人信息。" * 2000 + "</p>"
    site = _site(tmp_path, {f"p{i}.html": page for i in range(30)})
    assert scan_site(site, {"团队名册 › 姓名": names}) == []


def test_scanning_in_several_processes_finds_the_same_leaks(tmp_path):
    from pipeline.build import privacy_gate
    from pipeline.outputs.privacy import Scan, prepare

    pages = {f"offices/o{i:03d}/index.html": f"<p>第 {i} 页</p>" for i in range(120)}
    pages["offices/o007/index.html"] = "<p>司马青云</p>"
    pages["offices/o111/index.html"] = "<p>奖金 25,590 元</p>"
    site = _site(tmp_path, pages)
    matcher = prepare(_results())
    one = privacy_gate(Scan(site, matcher), workers=1)
    assert [(x.page, x.column) for x in one] == [("offices/o007/index.html", "团队名册 › 姓名"),
                                                 ("offices/o111/index.html", "考核结果 › 季度奖金金额")]
    assert privacy_gate(Scan(site, matcher), workers=2) == privacy_gate(Scan(site, matcher), workers=3) == one
    assert one == check_privacy(site, _results())


# ---------------------------------------------------------------------------------------------
# Pages scanned while mkdocs writes them


def test_pages_scanned_early_are_trusted_only_while_their_bytes_are_unchanged(tmp_path, monkeypatch):
    from pipeline.build import privacy_gate
    from pipeline.outputs import privacy
    from pipeline.outputs.privacy import Scan, prepare

    pages = {f"offices/o{i}.html": f"<p>第 {i} 页</p>" for i in range(5)}
    pages["offices/o3.html"] = "<p>司马青云</p>"
    site = _site(tmp_path, {**pages, "search/search_index.json": json.dumps({"docs": []})})
    scan = Scan(site, prepare(_results())).files(sorted(pages))  # as mkdocs wrote them
    assert sorted(scan.digests) == sorted(pages)
    assert [(x.page, x.column) for x in scan.leaks] == [("offices/o3.html", "团队名册 › 姓名")]
    read: list[str] = []
    real = privacy.texts_of_page
    monkeypatch.setattr(privacy, "texts_of_page", lambda rel, data, seen=None: read.append(rel) or real(rel, data, seen))
    (site / "offices/o1.html").write_text("<p>上官联系</p>", "utf-8")  # changed after it was scanned
    (site / "offices/o3.html").write_text("<p>第 3 页</p>", "utf-8")
    (site / "offices/o5.html").write_text("<p>第 5 页</p>", "utf-8")  # never scanned
    assert scan.changed(privacy.site_files(site)) == ["offices/o1.html", "offices/o3.html", "offices/o5.html",
                                                      "search/search_index.json"]
    leaks = privacy_gate(scan)
    # a leak once seen is never forgotten, even when the page changed since
    assert [(x.page, x.column) for x in leaks] == [("offices/o1.html", "客户 › 联系人"),
                                                   ("offices/o3.html", "团队名册 › 姓名")]
    assert read == ["offices/o1.html", "offices/o3.html", "offices/o5.html"]  # the unchanged pages not again


def test_a_page_read_while_it_was_written_is_scanned_whole_at_the_end(tmp_path):
    """A page caught half-written, its lines remembered as seen: the rest is still scanned."""
    from pipeline.build import privacy_gate
    from pipeline.outputs.privacy import Scan, prepare

    whole = "<nav>首页</nav>\n<p>第一段</p>\n<p>成员 司马青云</p>\n"
    site = _site(tmp_path, {"a.html": whole[:25]})
    scan = Scan(site, prepare(_results())).files(["a.html"])
    assert scan.leaks == set()
    (site / "a.html").write_text(whole, "utf-8")
    assert [(x.page, x.column) for x in privacy_gate(scan)] == [("a.html", "团队名册 › 姓名")]


def test_lines_repeated_on_every_page_are_scanned_once_and_leaks_still_found(tmp_path):
    from pipeline.build import privacy_gate
    from pipeline.outputs.privacy import Scan, prepare
    from pipeline.outputs.privacy.files import texts_of

    chrome = "<nav>\n<a href=x>首页</a>\n</nav>\n"
    pages = {f"p{i}.html": f"{chrome}<p>第 {i} 页</p>\n{chrome}" for i in range(80)}
    pages["p70.html"] = f"{chrome}<p>奖金 25,590 元</p>\n<p>司马\n青云</p>\n"  # a name split by a line break is not the name
    site = _site(tmp_path, pages)
    seen: set[str] = set()
    first = texts_of(site / "p0.html", "p0.html", seen)[0][1]
    again = texts_of(site / "p1.html", "p1.html", seen)[0][1]
    assert "首页" in first and "首页" not in again and "第 1 页" in again
    leaks = privacy_gate(Scan(site, prepare(_results())), workers=2)
    assert [(x.page, x.column) for x in leaks] == [("p70.html", "考核结果 › 季度奖金金额")]


def test_a_value_with_a_space_is_found_across_a_line_break(tmp_path):
    from pipeline.build import privacy_gate
    from pipeline.outputs.privacy import Scan, prepare

    matcher = prepare(_results(reasons=("回老家 照顾父母",)))
    assert matcher.has_spaced
    pages = {f"p{i}.html": "<nav>首页</nav>\n<p>回老家</p>\n" for i in range(70)}
    pages["p9.html"] = "<nav>首页</nav>\n<p>回老家\n照顾父母</p>\n"
    leaks = privacy_gate(Scan(_site(tmp_path, pages), matcher), workers=2)
    assert [(x.page, x.column) for x in leaks] == [("p9.html", "团队名册 › 离职原因")]


def test_the_fast_number_scan_finds_every_token_that_could_be_a_needle():
    """_CANDIDATE + two blanking passes == the full tokenizer, for tokens of 1000 and more or with 万."""
    import random
    import re
    from decimal import Decimal

    from pipeline.outputs.privacy import match

    old_blank = re.compile("(?:https?:)?//[^\\s\"'<>()]*|\\b(?:d|points|viewBox|transform)=\"[^\"]*\"")

    def value(m):
        number = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
        return number * 10000 if m.group(3) else number

    def full(text):
        return [(m.start(), m.group(0)) for m in match._NUMBER.finditer(old_blank.sub(" ", text))
                if value(m) >= 1000 or m.group(3)]

    def fast(text):
        blanked = match._GEOMETRY.sub(" ", match._URLS.sub(" ", text))
        return [m.group(0) for m in match._CANDIDATE.finditer(blanked)]

    pieces = ["1", "12", "123", "1234", "25590", "25,590", "1,234,567", ".", ",", "万", "3万", "4.1万", " ",
              "a", "x", "Q", "年", "-", '<path d="M 1234 5678"/>', "http://e.org/20000", "id=", '"', "<p>"]
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert [t for _, t in full(text)] == fast(text), text


# ---------------------------------------------------------------------------------------------
# Findings that quote a private value typed into an ordinary cell


def _quoting(typed: str, **more) -> Finding:
    """`choice-invalid` for a 本期绩效结果 cell holding `typed`, as the reader reports it."""
    return finding("choice-invalid", file="submissions/2026Q1/BJ01/recruitment.xlsx", sheet="团队名册", cell="G3",
                   row=3, column="本期绩效结果", value=typed, seen=typed, choices="优秀、良好、合格", office_id="BJ01",
                   period="2026Q1", **more)


def _masked(*findings: Finding, **run) -> list[Finding]:
    dataset = dataclasses.replace(_results(**run).dataset, findings=list(findings))
    return withhold_private(dataset).findings


@pytest.mark.parametrize("typed", [
    "司马青云",  # a roster name
    "司马青云的备注",  # inside a longer value: the whole value goes, never half of it
    "司\u200b马青云",  # spelt with a zero-width space
    "回老家照顾父母",  # a leave reason
    "上官联系",  # a client's contact
    "13812345678",  # a phone number, written without its separators
    "138-1234-5678",
    "41,000",  # a bonus base
])
def test_a_private_value_typed_into_an_ordinary_cell_is_hidden_in_the_finding(typed):
    (masked,) = _masked(_quoting(typed), base=41000.0)
    assert masked.value is None
    assert masked.message == _quoting(HIDDEN).message == "“本期绩效结果”应为以下之一：优秀、良好、合格；实际为“（个人信息，已隐藏）”"
    assert masked.display() == masked.display().replace(typed, "")


@pytest.mark.parametrize("typed", [HEAD, "北京一所", "华北", "BJ01", "其他", "优", "Anna Li", "12345"])
def test_published_and_ordinary_values_are_quoted_as_typed(typed):
    """所长 and office names are published anyway; product text and short values match nothing."""
    kept = _quoting(typed)
    assert _masked(kept, members=("司马青云", "其他", "优")) == [kept]


def test_a_private_value_in_another_part_of_the_message_is_hidden_and_the_value_kept():
    broken = finding("rule-not-above", file="submissions/2026Q1/BJ01/clients.xlsx", sheet="客户", cell="K2", row=2,
                     column="已解决投诉次数", value="5", rule="已解决投诉次数不得大于投诉次数", seen="5",
                     other_column="投诉次数", other="13812345678")
    (masked,) = _masked(broken)
    assert masked.message == "已解决投诉次数不得大于投诉次数：已解决投诉次数为 5，投诉次数为 （个人信息，已隐藏）"
    assert masked.value == "5"


def test_findings_without_private_values_leave_the_dataset_as_it_was():
    dataset = dataclasses.replace(_results().dataset, findings=[_quoting("优秀人才")])
    assert withhold_private(dataset) is dataset


@pytest.fixture(scope="module")
def typed_elsewhere(tmp_path_factory):
    """A real data set where a roster name is typed into the rating column and a 任职要求 cell, and
    a client's phone number is typed as 客户编号 twice: built, run and validated."""
    from datetime import date

    from _site_helpers import write_small_data
    from _validation_helpers import run_cli

    from pipeline.build import build_site
    from pipeline.outputs.form_workbook import write_templates
    from pipeline.run import run

    root = tmp_path_factory.mktemp("typed-elsewhere")
    data = write_small_data(root / "data", periods=("2026Q1",))
    cover = {"office_id": "BJ01", "period": "2026Q1", "filled_by": "测试填报人", "filled_on": date(2026, 3, 31)}
    roster = [{"employee_id": f"E{i}", "name": f"测试成员{i}", "join_date": date(2024, 1, 1), "rating": "良好"}
              for i in range(1, 6)]
    roster[0]["name"] = NAME
    roster[1]["rating"] = NAME
    write_form(RECRUITMENT, data / "submissions/2026Q1/BJ01/recruitment.xlsx", cover=cover, rows={
        "hiring": [{"position": "客户经理", "planned": 2, "hired": 1, "requirements": NAME, "status": "进行中"}],
        "roster": roster})
    clients = [{"client_id": client_id, "name": f"测试客户{i}", "client_type": "老客户", "contact": "测试联系人",
                "phone": PHONE, "sales": 100, "satisfaction": 4.5}
               for i, client_id in enumerate((PHONE, PHONE, "C3"), start=1)]
    write_form(CLIENTS, data / "submissions/2026Q1/SH01/clients.xlsx", cover=dict(cover, office_id="SH01"),
               rows={"clients": clients})
    templates = root / "templates"
    write_templates(templates)
    build_site(data, root / "site", keep_going=True, build_date="2026-07-01", templates_dir=templates, workers=2)
    run(data, root / "out", workers=1)
    shown = run_cli("validate", str(data), "--no-cache")
    return root, shown


NAME, PHONE = "诸葛青云", "13812345678"


def test_a_private_value_typed_elsewhere_never_reaches_the_site(typed_elsewhere):
    root, _ = typed_elsewhere
    site = root / "site"
    for path in sorted(p for p in site.rglob("*") if p.suffix in (".html", ".json", ".xml", ".txt")):
        text = path.read_text("utf-8")
        decoded = json.dumps(json.loads(text), ensure_ascii=False) if path.suffix == ".json" else text
        assert NAME not in decoded and PHONE not in decoded, path.relative_to(site)
    page = (site / "validation.html").read_text("utf-8")
    assert page.count("实际为“（个人信息，已隐藏）”") == 1
    assert "“客户编号”的值“（个人信息，已隐藏）”在第 2 行已出现过" in page
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    # (the search plugin cuts Chinese into words with zero-width spaces)
    assert any("“客户编号”的值“（个人信息，已隐藏）”" in fold(doc["text"]) for doc in index["docs"])


def test_a_private_value_typed_elsewhere_never_reaches_validation_json_or_the_terminal(typed_elsewhere):
    root, shown = typed_elsewhere
    report = json.loads((root / "out" / "validation.json").read_text("utf-8"))
    quoted = {f["code"]: f for f in report["findings"] if f["code"] in ("choice-invalid", "duplicate-id")}
    assert quoted["choice-invalid"]["value"] is None and quoted["duplicate-id"]["value"] is None
    assert quoted["duplicate-id"]["message"] == "“客户编号”的值“（个人信息，已隐藏）”在第 2 行已出现过"
    assert NAME not in json.dumps(report, ensure_ascii=False) and PHONE not in json.dumps(report)
    assert shown.returncode == 1, shown.stderr
    assert "SH01/clients.xlsx › 客户 › A3：“客户编号”的值“（个人信息，已隐藏）”在第 2 行已出现过" in shown.stdout
    assert NAME not in shown.stdout + shown.stderr and PHONE not in shown.stdout + shown.stderr


def test_a_head_and_region_that_spell_a_roster_name_do_not_fail_an_honest_build(tmp_path):
    """`demo --offices 400` then `build`: the offices table's `<td>王丽</td><td>华北</td>` was indexed
    for search as 王丽华北, which holds the roster name 王丽华, and the gate failed the build."""
    from datetime import date

    from _site_helpers import SMALL_OFFICES, write_small_data

    from pipeline.build import build_site
    from pipeline.forms import REFERENCE

    data = write_small_data(tmp_path / "data", periods=("2026Q1",))
    offices = [{"office_id": o, "office_name": n, "head": h, "region": r, "bonus_base": 30000}
               for o, n, h, r, _, _ in SMALL_OFFICES]
    offices[0].update(head="王丽", region="华北")
    targets = [{"year": 2026, "quarter": "Q1", "office_id": o["office_id"], "sales_target": 400, "prior_sales": 350,
                "market_size": 4000} for o in offices]
    write_form(REFERENCE, data / "reference.xlsx", rows={"offices": offices, "targets": targets})
    roster = [{"employee_id": f"E{i}", "name": name, "join_date": date(2024, 1, 1), "rating": "良好"}
              for i, name in enumerate(("王丽华", "测试成员二", "测试成员三"), start=1)]
    write_form(RECRUITMENT, data / "submissions/2026Q1/SH01/recruitment.xlsx",
               cover={"office_id": "SH01", "period": "2026Q1", "filled_by": "测试填报人", "filled_on": date(2026, 3, 31)},
               rows={"hiring": [{"position": "客户经理", "planned": 1, "status": "进行中"}], "roster": roster})
    build_site(data, tmp_path / "site", build_date="2026-07-01", templates_dir=None, workers=2)
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text("utf-8"))
    offices_text = " ".join(fold(d["text"]) for d in index["docs"] if d["location"].startswith("offices/index.html"))
    assert "王丽 华北" in offices_text and "王丽华" not in offices_text


@settings(max_examples=150, deadline=None)
@given(st.text(st.sampled_from("司马青云回老家 上\u200b官联系13845678-甲公司"), max_size=14))
def test_masking_compiles_only_values_that_can_occur_and_misses_none(typed):
    """withhold_private leaves out the values whose characters a finding lacks: the same result
    as matching against every private value of the run."""
    run = {"members": ("司马青云", "回老家 照顾", "上\u200b官"), "phone": "138-1234-5678", "base": 41000.0}
    dataset = dataclasses.replace(_results(**run).dataset, findings=[_quoting(typed)])
    everything = Matcher(private_values(dataset), exemptions(dataset))
    assert withhold_private(dataset).findings == [mask(_quoting(typed), everything)]
