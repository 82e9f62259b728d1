"""The site build: real `mkdocs build --strict` on a small real data set, atomic publishing."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
from html import unescape
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import yaml
from _site_helpers import CONTACT, LEAVE_REASON, PHONE, SMALL_DEPUTY, sample_results, write_small_data
from conftest import Terminal

from pipeline import build
from pipeline.build import BuildError, build_site, expand_nav, render_and_publish
from pipeline.cli import main
from pipeline.engine.model import Dataset, Reference, Results
from pipeline.findings import finding
from pipeline.forms import ALL_FORMS
from pipeline.outputs.form_workbook import write_templates
from pipeline.outputs.pages import DOCS_DIR

BUILD_DATE = "2026-07-01"


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_small_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> Path:
    """The blank templates as the specs make them (the committed ones are checked by test_templates)."""
    folder = tmp_path_factory.mktemp("templates")
    write_templates(folder)
    return folder


@pytest.fixture(scope="module")
def built(data, templates, tmp_path_factory) -> Path:
    """A site built once from the small data set; tests must not modify it."""
    root = tmp_path_factory.mktemp("built")
    build_site(data, root / "site", build_date=BUILD_DATE, templates_dir=templates, workers=2)
    return root


def broken_copy(data: Path, tmp_path: Path) -> Path:
    """The data set with one workbook that is not an xlsx at all (a file-level error)."""
    bad = tmp_path / "bad-data"
    shutil.copytree(data, bad)
    (bad / "submissions" / "2026Q2" / "SH01" / "clients.xlsx").write_bytes(b"this is not a workbook")
    return bad


def test_site_has_every_page(built):
    site = built / "site"
    for page in ("index.html", "handbook/index.html", "handbook/assessment.html", "guide/fields.html",
                 "guide/codes.html", "guide/templates.html", "results/index.html", "results/2026Q1.html",
                 "results/2026Q2.html", "results/2026.html", "offices/index.html", "offices/bj01.html",
                 "offices/sh01.html", "offices/gz01.html", "submissions.html", "validation.html",
                 "search/search_index.json"):
        assert (site / page).is_file(), page
    shipped = sorted(p.name for p in (site / "downloads").iterdir())
    assert shipped == sorted(["招聘与团队.xlsx", "培训计划.xlsx", "客户开发与维护.xlsx", "项目管理.xlsx",
                              "人力资源部基础数据.xlsx", "已确认的问题.xlsx", "复核调整与申诉.xlsx"])
    assert not list(built.glob(".site.tmp-*")) and not list(built.glob(".site.old-*"))
    assert "构建日期 2026-07-01" in (site / "index.html").read_text(encoding="utf-8")


def test_generated_markdown_never_lands_in_committed_docs(built):
    assert not (DOCS_DIR / "results").exists() and not (DOCS_DIR / "offices").exists()
    assert (built / ".build" / "docs" / "results" / "2026Q1.md").is_file()


def test_the_generated_config_has_no_hooks(built):
    """Zensical (Material's successor) ignores MkDocs hooks: the build must not need any."""
    config = yaml.load((built / ".build" / "mkdocs.yml").read_text(encoding="utf-8"), Loader=build.ConfigLoader)  # noqa: S506
    assert "hooks" not in config
    assert config["docs_dir"] == str((built / ".build" / "docs").resolve())


def test_the_docs_tree_is_complete_before_mkdocs_runs(built, data, templates, tmp_path, monkeypatch):
    """Every page exists when mkdocs starts, and the privacy gate scans the finished site after it:
    a plain `mkdocs build` of the generated tree gives the same pages, and the gate catches a value
    planted after mkdocs has finished."""
    real = build.run_mkdocs
    seen: dict[str, set[str]] = {}

    def checking(config, site_tmp, **kwargs):
        docs = Path(yaml.load(Path(config).read_text(encoding="utf-8"), Loader=build.ConfigLoader)["docs_dir"])  # noqa: S506
        seen["docs"] = {p.relative_to(docs).as_posix() for p in docs.rglob("*.md")}
        result = real(config, site_tmp, **kwargs)
        page = site_tmp / "offices" / "bj01.html"
        page.write_text(page.read_text(encoding="utf-8").replace("</main>", f"<p>{CONTACT}</p></main>"),
                        encoding="utf-8")
        return result

    monkeypatch.setattr(build, "run_mkdocs", checking)
    site = tmp_path / "site"
    with pytest.raises(BuildError) as info:
        build_site(data, site, build_date=BUILD_DATE, templates_dir=templates, work_dir=tmp_path / ".build")
    assert {"offices/bj01.md", "results/2026Q1.md", "submissions.md", "validation.md", "index.md"} <= seen["docs"]
    assert seen["docs"] == {p.relative_to(built / ".build" / "docs").as_posix()
                            for p in (built / ".build" / "docs").rglob("*.md")}
    assert "隐私检查发现 1 处问题，网站未发布" in info.value.message and not info.value.usage
    assert "offices/bj01.html 含有“客户 › 联系人”的值" in info.value.message
    assert not site.exists()
    # a bare mkdocs build of the same tree and config makes the same pages as the build published
    bare = tmp_path / "bare"
    real(built / ".build" / "mkdocs.yml", bare)
    published = snapshot(built / "site")
    assert {k: v for k, v in snapshot(bare).items() if k.endswith(".html")} == \
        {k: v for k, v in published.items() if k.endswith(".html")}


def test_ranking_page_matches_scorecards_csv(built):
    with open(built / ".build" / "out" / "scorecards.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["period"] == "2026Q1"]
    html = (built / "site" / "results" / "2026Q1.html").read_text(encoding="utf-8")
    assert len(rows) == 3
    for r in rows:
        m = re.search(rf'<tr data-office="{r["office_id"]}"><td class="rank">(\d+)</td>.*?<td class="score">([\d.]+)</td> '
                      rf'<td><span class="grade [\w-]+">(\S+?)</span>', html, re.S)
        assert m, r["office_id"]
        assert m.group(1) == r["rank"]
        assert m.group(2) == f"{float(r['score']):.1f}"
        assert m.group(3) == r["grade"]


def test_no_private_value_and_no_external_request_anywhere(built):
    site = built / "site"
    for path in site.rglob("*"):
        if path.suffix not in (".html", ".json", ".xml", ".js", ".css"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in (LEAVE_REASON, CONTACT, PHONE, "测试成员1", SMALL_DEPUTY[2]):
            assert secret not in text, (path, secret)
        assert not re.search(r"(?<![\d.])30,?000(?![\d])", text), path  # the bonus base
        if path.suffix == ".html":
            for url in re.findall(r'(?:src|href)="([^"]+)"', text):
                assert not re.match(r"(https?:)?//", url), (path, url)
    assert "fonts.googleapis" not in (site / "index.html").read_text(encoding="utf-8")


def test_a_deputys_cover_is_a_warning_on_the_report_and_the_deputys_name_is_not(built):
    """GZ01's 2026Q1 covers are filled in by a deputy (SMALL_DEPUTY); every other cover by the head."""
    report = (built / "site" / "validation.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-code="cover-filler-not-head">(.*?)</tr>', report, re.S)
    assert len(rows) == 4  # GZ01's four forms of 2026Q1, and nobody else's
    assert all("封面 › <code>B4</code>" in row and "广州测试三所（GZ01） 2026Q1" in row for row in rows)
    assert SMALL_DEPUTY[2] not in report


def test_every_internal_link_resolves(built):
    site = built / "site"
    links = 0
    for path in site.rglob("*.html"):
        for url in re.findall(r'(?:src|href)="([^"#?]+)', path.read_text(encoding="utf-8")):
            if url.startswith(("mailto:", "data:")):
                continue
            base = site if url.startswith("/") else path.parent  # 404.html links from the site root
            target = (base / unquote(unescape(url)).lstrip("/")).resolve()
            assert target.is_file() or (target / "index.html").is_file(), (path.relative_to(site), url)
            links += 1
    assert links > 500


def test_downloads_are_named_by_the_form_titles_with_percent_encoded_links(built):
    """模板下载 offers `招聘与团队.xlsx` …: the link is the name percent-encoded, and the file is there."""
    site = built / "site"
    page = (site / "guide" / "templates.html").read_text(encoding="utf-8")
    for form in ALL_FORMS:
        href = f"../downloads/{quote(form.download_name)}"
        assert href.isascii()
        assert f'<a href="{href}" download>{form.download_name}</a>' in page, form.id
        assert (site / "guide" / unquote(href)).resolve().is_file()
        assert f"数据目录中为 {form.filename}" in page


def test_a_template_downloaded_under_its_title_is_filed_and_read_by_its_content(built, make_reference, data_dir,
                                                                               tmp_path):
    """The workbook keeps its template id inside: intake files `招聘与团队.xlsx` as recruitment.xlsx."""
    from openpyxl import load_workbook

    from pipeline.forms import COVER_SHEET, REFERENCE
    from pipeline.intake.filing import FILED, file_inbox
    from pipeline.run import check

    make_reference()
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for form in ALL_FORMS:
        if form is REFERENCE:
            continue  # HR's, already in the data folder
        book = load_workbook(built / "site" / "downloads" / form.download_name)
        if form.has_cover:
            book[COVER_SHEET][form.cover_cell("office_id")] = "BJ01"
            book[COVER_SHEET][form.cover_cell("period")] = "2026Q1"
        book.save(inbox / form.download_name)
    outcomes = {o.source: (o.action, o.dest) for o in file_inbox(inbox, data_dir)}
    expected = {f.download_name: (FILED, f.filename if not f.has_cover else f"submissions/2026Q1/BJ01/{f.filename}")
                for f in ALL_FORMS if f is not REFERENCE}
    assert outcomes == expected
    dataset, _ = check(data_dir, workers=1)
    read = {wb.path: wb.form_id for wb in dataset.workbooks}
    assert read == {"reference.xlsx": "reference", **{outcomes[f.download_name][1]: f.id for f in ALL_FORMS
                                                       if f is not REFERENCE}}


def test_a_submission_left_under_its_downloaded_name_is_read_all_the_same(built, make_reference, data_dir):
    """Placed by hand into submissions/2026Q1/BJ01/ without renaming: read by its content, not its name."""
    from openpyxl import load_workbook

    from pipeline.forms import COVER_SHEET, RECRUITMENT
    from pipeline.run import check

    make_reference()
    folder = data_dir / "submissions" / "2026Q1" / "BJ01"
    folder.mkdir(parents=True)
    book = load_workbook(built / "site" / "downloads" / RECRUITMENT.download_name)
    book[COVER_SHEET][RECRUITMENT.cover_cell("office_id")] = "BJ01"
    book[COVER_SHEET][RECRUITMENT.cover_cell("period")] = "2026Q1"
    book.save(folder / "招聘与团队.xlsx")
    dataset, _ = check(data_dir, workers=1)
    (wb,) = [wb for wb in dataset.workbooks if wb.path.startswith("submissions/")]
    assert (wb.path, wb.form_id, dataset.slot(wb)) == ("submissions/2026Q1/BJ01/招聘与团队.xlsx", "recruitment",
                                                       ("2026Q1", "BJ01", "recruitment"))


def test_search_index_finds_chinese_words(built):
    index = json.loads((built / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert r"\u200b" in index["config"]["separator"]
    # Material looks a query 流失率 up as 流失 + 率: the index must hold the stem as a word.
    pages = {d["location"].split("#")[0] for d in index["docs"] if "\u200b流失\u200b" in d["text"]}
    assert "handbook/assessment.html" in pages
    assert not [p for p in pages if p.startswith("offices/")]  # KPI tables are kept out of the index
    office = [d["location"] for d in index["docs"] if d["title"] == "北京测试一所"]
    assert office == ["offices/bj01.html"]


def test_search_hits_say_whether_they_are_the_policy_or_the_rules(built):
    index = json.loads((built / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    entries = [(d["location"], d["title"].replace("\u200b", ""), d["text"].replace("\u200b", ""))
               for d in index["docs"] if d["location"].startswith("handbook/")]
    rules = [(title, text) for location, title, text in entries if "#rules-" in location]
    assert len(rules) >= 9 and all(title.startswith("实施细则：") for title, _ in rules)
    assert any("团队成员流失率" in text and "期初与期末人数的平均值" in text for _, text in rules)
    articles = [(title, text) for location, title, text in entries if "#article-" in location]
    assert len(articles) == 12
    for title, text in articles:  # an article's hit holds the policy's words and nothing of the rules
        assert re.match(r"第\S+条 ", title) and text.startswith("<p>制度原文</p>"), title
        assert "实施细则" not in text and "÷" not in text, title
    page = (built / "site" / "handbook" / "assessment.html").read_text(encoding="utf-8")
    assert "stylesheets/handbook.css" in page
    assert page.count('<section class="policy-rules">') == sum(
        1 for location, _, _ in entries if location.startswith("handbook/assessment.html#rules-"))


def test_nav_lists_periods_not_offices(built):
    # The handbook page links nowhere but through the navigation.
    nav = (built / "site" / "handbook" / "general.html").read_text(encoding="utf-8")
    assert "../results/2026Q1.html" in nav and "../results/2026.html" in nav and "../offices/index.html" in nav
    assert "offices/bj01" not in nav


def test_headings_have_ids_made_of_their_words_not_numbers(built):
    """Search results and shared links point at `#2026年第一季度`, never at `#_2`."""
    numbered = {p.relative_to(built / "site").as_posix(): re.findall(r'<h[1-6] id="(_\d*)"', p.read_text(encoding="utf-8"))
                for p in (built / "site").rglob("*.html")}
    assert {page: ids for page, ids in numbered.items() if ids} == {}
    office = (built / "site" / "offices" / "bj01.html").read_text(encoding="utf-8")
    assert '<h2 id="2026年第' in office and '<h2 id="各期结果"' in office
    index = json.loads((built / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not [d["location"] for d in index["docs"] if re.search(r"#_\d*$", d["location"])]


def test_heading_links_and_the_404_page_speak_chinese(built):
    """The audit found `title="Permanent link"` on every heading's ¶ (Python-Markdown's toc) and
    `404 - Not found` on the 404 page (Material's template)."""
    site = built / "site"
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    english = [page for page, html in pages.items() if "Permanent link" in html or "Not found" in html]
    assert english == []
    anchors = re.findall(r'<a class="headerlink" href="#[^"]+" title="([^"]*)">', pages["validation.html"])
    assert anchors and set(anchors) == {"本节链接"}
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", pages["404.html"]) == ["404：找不到这个页面"]
    assert "请从上方的导航进入，或用搜索查找" in pages["404.html"]


def test_staff_navigation_ends_with_a_developer_section(built):
    config = yaml.load((built / ".build" / "mkdocs.yml").read_text(encoding="utf-8"), Loader=build.ConfigLoader)  # noqa: S506
    sections = [next(iter(item)) if isinstance(item, dict) else item for item in config["nav"]]
    assert sections[-1] == "开发者"
    developer = config["nav"][-1]["开发者"]
    assert {next(iter(p.values())) for p in developer} == {"guide/json-report.md", "performance.md"}
    staff = yaml.safe_dump(config["nav"][:-1], allow_unicode=True)
    assert "json-report.md" not in staff and "performance.md" not in staff
    for item in config["nav"]:  # no section holds a page named as the section itself
        if isinstance(item, dict) and isinstance(next(iter(item.values())), list):
            name, pages = next(iter(item.items()))
            assert all(not (isinstance(p, dict) and name in p) for p in pages), name


def test_expand_nav_groups_periods_by_year_in_time_order_with_the_year_in_every_title():
    nav = expand_nav([{"考核结果": ["results/index.md"]}], ["2025Q1", "2025", "2026Q1", "2026Q2", "2026"])
    assert nav == [{"考核结果": ["results/index.md",
                             {"2025年": [{"2025年第一季度": "results/2025Q1.md"}, {"2025年度": "results/2025.md"}]},
                             {"2026年": [{"2026年第一季度": "results/2026Q1.md"}, {"2026年第二季度": "results/2026Q2.md"},
                                        {"2026年度": "results/2026.md"}]}]}]


def test_data_error_fails_the_build_and_keeps_the_old_site(built, data, templates, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built / "site", site)
    before = snapshot(site)
    with pytest.raises(BuildError) as info:
        build_site(broken_copy(data, tmp_path), site, templates_dir=templates)
    assert not info.value.usage  # exit 1
    err = info.value.message
    assert err.startswith("校验发现 1 个错误，网站未更新：\n  - submissions/2026Q2/SH01/clients.xlsx：文件不是有效的 .xlsx")
    # what to run, for the data it was given; never the build's work files (.build/out/validation.json)
    assert f"kaohe validate --data {(tmp_path / 'bad-data').absolute()}（" in err and "kaohe serve" in err
    assert ".build" not in err and "validation.json" not in err
    assert snapshot(site) == before
    assert not list(tmp_path.glob(".site.tmp-*"))


def test_a_failed_build_lists_the_first_errors_and_counts_them_all(tmp_path):
    blank = [finding("required-blank", file="submissions/2026Q1/BJ01/clients.xlsx", sheet="客户", cell=f"B{row}",
                     row=row, column="客户名称") for row in range(2, 14)]
    refused = finding("review-stale", file="reviews.xlsx", sheet="调整", row=2, office="北京一所（BJ01）", period="2026Q1",
                      item="总分", computed="80.0", original="70.0")  # the assessment's: counted too
    accepted = dataclasses.replace(blank[0], cell="B99", acceptance="已核实")  # HR's: not an error any more
    results = Results(policy=None, dataset=Dataset("数据", Reference(), findings=[*blank, accepted]), findings=[refused])
    text = build.data_errors(results, tmp_path)
    assert text.startswith("校验发现 13 个错误，网站未更新：\n  - submissions/2026Q1/BJ01/clients.xlsx › 客户 › B2：")
    assert text.count("\n  - ") == build.SHOWN_ERRORS and "B99" not in text
    assert f"（以上是前 {build.SHOWN_ERRORS} 个）每个问题所在的单元格和修改方法：kaohe validate --data {tmp_path}（" in text
    # validate cannot show the review's error: the message says so, and which command does
    assert (f"其中 1 个（复核调整与申诉）在评分时才发现，validate 不列出，全部问题可运行 kaohe run --data {tmp_path} "
            "--out 输出目录 查看；") in text


def test_keep_going_publishes_invalid_offices(data, templates, tmp_path):
    site = tmp_path / "site"
    build_site(broken_copy(data, tmp_path), site, keep_going=True, templates_dir=templates)
    html = (site / "results" / "2026Q2.html").read_text(encoding="utf-8")
    row = re.search(r'<tr data-office="SH01" data-status="invalid">(.*?)</tr>', html, re.S)
    assert row and "数据有误" in row.group(1)
    assert '<tr data-office="BJ01"><td class="rank">1</td>' in html
    report = (site / "validation.html").read_text(encoding="utf-8")
    assert 'data-code="file-not-xlsx"' in report


def test_keep_going_says_which_office_periods_it_published_as_invalid(data, tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["build", "--data", str(broken_copy(data, tmp_path)), "--site", str(site), "--keep-going",
                 "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert f"校验 {(tmp_path / 'bad-data').absolute()}：共读取" in out and "错误 1 个" in out
    assert "以下 1 个业务所期间的数据有误，网站上标为“数据有误”，未评分：\n  2026Q2：上海测试二所（SH01）\n" in out
    # all of them on the site: the build's validation.json is its work file (.build/out), not for people
    assert "全部问题见网站的“校验报告”页。" in out and "validation.json" not in out
    assert out.endswith(f"网站已构建到 {site.absolute()}/。\n")


def test_drifted_templates_fail_the_build(data, templates, tmp_path):
    drifted = tmp_path / "templates"
    shutil.copytree(templates, drifted)
    (drifted / "clients.xlsx").unlink()
    with pytest.raises(BuildError) as info:
        build_site(data, tmp_path / "site", templates_dir=drifted)
    assert "空白模板与表单定义不一致" in info.value.message and "clients.xlsx" in info.value.message
    assert not (tmp_path / "site").exists()


def test_broken_docs_page_fails_the_build_and_keeps_the_old_site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("上一次的网站", encoding="utf-8")
    before = snapshot(site)
    docs = tmp_path / "docs"
    shutil.copytree(DOCS_DIR, docs)
    (docs / "handbook" / "general.md").write_text("# 总则\n\n[坏链接](no-such-page.md)\n", encoding="utf-8")
    with pytest.raises(BuildError) as info:
        render_and_publish(sample_results(), site, work_dir=tmp_path / ".build", build_date=BUILD_DATE,
                           docs_dir=docs, templates_dir=None)
    assert "no-such-page.md" in info.value.message and "MkDocs 构建失败" in info.value.message
    assert snapshot(site) == before
    assert not list(tmp_path.glob(".site.tmp-*"))


def test_unknown_marker_is_a_usage_error(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(DOCS_DIR, docs)
    (docs / "guide" / "index.md").write_text("# 指南\n\n<!-- site:nonsense -->\n", encoding="utf-8")
    with pytest.raises(BuildError) as info:
        render_and_publish(sample_results(), tmp_path / "site", work_dir=tmp_path / ".build", build_date=BUILD_DATE,
                           docs_dir=docs, templates_dir=None)
    assert "site:nonsense" in info.value.message and info.value.usage
    assert not (tmp_path / "site").exists()


def test_missing_data_folder_is_a_usage_error(tmp_path, capsys):
    code = main(["build", "--data", str(tmp_path / "nowhere"), "--site", str(tmp_path / "site")])
    assert code == 2
    assert "找不到数据目录" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_policy_option_changes_the_published_handbook_and_scores(data, templates, tmp_path):
    from pipeline.engine.policy import DEFAULT_POLICY_PATH

    raw = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    raw["kpis"]["attainment"]["weight"]["quarterly"] = 31
    raw["kpis"]["growth"]["weight"]["quarterly"] = 19
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    site = tmp_path / "site"
    build_site(data, site, policy_path=policy, templates_dir=templates)
    handbook = (site / "handbook" / "assessment.html").read_text(encoding="utf-8")
    # the rules' tables stand in a Markdown block (md_in_html), which lays their tags out one a line
    assert "<tr><td>业务指标</td><td>销售目标完成率</td><td>31</td><td>30</td></tr>" in re.sub(r">\s+<", "><", handbook)
    office = (site / "offices" / "bj01.html").read_text(encoding="utf-8")
    row = re.search(r'<table data-table="kpi-table" data-cards data-search-exclude data-period="2026Q2"[^>]*>.*?'
                    r'<tr data-kpi="销售目标完成率">(.*?)</tr>', office, re.S).group(1)
    assert '<td data-label="权重">31</td>' in row  # the scorecard used the same weight


def test_a_bad_policy_is_a_usage_error(data, templates, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("kpis: [", encoding="utf-8")
    with pytest.raises(BuildError) as info:
        build_site(data, tmp_path / "site", policy_path=policy, templates_dir=templates)
    assert info.value.usage and "政策配置" in info.value.message


def test_a_failing_page_fails_the_build_and_keeps_the_old_site(built, tmp_path, monkeypatch):
    import pipeline.outputs.pages.results as results_pages

    site = tmp_path / "site"
    shutil.copytree(built / "site", site)
    before = snapshot(site)

    def broken(results):
        raise RuntimeError("a bug in the submission board")

    monkeypatch.setattr(results_pages, "render_submissions", broken)  # the forked processes inherit it
    monkeypatch.setattr(build, "PARALLEL_FROM", 0)
    with pytest.raises(RuntimeError, match="a bug in the submission board"):
        render_and_publish(sample_results(), site, work_dir=tmp_path / ".build", build_date=BUILD_DATE,
                           templates_dir=None, workers=2)
    assert snapshot(site) == before
    assert not list(tmp_path.glob(".site.tmp-*"))


def test_an_interrupted_mkdocs_run_kills_mkdocs_instead_of_waiting_for_it(built, tmp_path, monkeypatch):
    """SIGTERM reaches the build as an exception (lock.Terminated) while mkdocs runs: mkdocs is
    killed on the spot, as subprocess.run would, not left to finish the site."""
    import signal
    import subprocess

    from pipeline.build import run_mkdocs
    from pipeline.runtime.lock import Terminated

    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def recording(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    def sigterm_arrives() -> None:
        raise Terminated(128 + signal.SIGTERM)

    monkeypatch.setattr(subprocess, "Popen", recording)
    with pytest.raises(Terminated):
        run_mkdocs(built / ".build" / "mkdocs.yml", tmp_path / "site", meanwhile=sigterm_arrives)
    assert len(started) == 1 and started[0].returncode == -signal.SIGKILL


def test_progress_counts_the_pages_mkdocs_writes(built, tmp_path):
    """Without hooks, the progress of mkdocs is the number of pages found written in its folder."""
    from pipeline.build import run_mkdocs

    pages = sum(1 for _ in (built / ".build" / "docs").rglob("*.md"))
    told: list[tuple[int, int]] = []
    run_mkdocs(built / ".build" / "mkdocs.yml", tmp_path / "site", progress=lambda d, t: told.append((d, t)),
               pages=pages)
    assert told[-1] == (pages, pages)
    assert [d for d, _ in told] == sorted(d for d, _ in told)  # never backwards
    assert pages == sum(1 for p in (tmp_path / "site").rglob("*.html") if p.name != "404.html")


def test_build_shows_progress_on_a_terminal(data, tmp_path, monkeypatch):
    """Reading the workbooks and MkDocs writing the pages each draw a bar on a terminal."""
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["build", "--data", str(data), "--site", str(tmp_path / "site"), "--no-cache"]) == 0
    shown = terminal.getvalue()
    workbooks = sum(1 for _ in data.rglob("*.xlsx"))
    pages = sum(1 for p in (tmp_path / "site").rglob("*.html") if p.name != "404.html")
    assert f"读取工作簿 [{'#' * 30}] {workbooks}/{workbooks}\r" in shown
    assert f"生成网站页面 [{'#' * 30}] {pages}/{pages}\r" in shown


def test_build_off_a_terminal_stays_quiet_for_a_small_site(data, tmp_path, capsys):
    assert main(["build", "--data", str(data), "--site", str(tmp_path / "site"), "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert "读取工作簿" not in err and "生成网站页面" not in err  # fewer than 50 files and pages


def test_the_sample_builds_with_pages_and_gate_and_no_hooks(templates, tmp_path, monkeypatch):
    """The bundled sample: every results page is written before mkdocs, the gate scans every built
    file after it, and the config mkdocs ran with names no hook."""
    from pipeline.build import SAMPLE_DATA

    calls: dict[str, object] = {}
    real_docs, real_gate = build.write_docs, build.privacy_gate

    def docs_spy(results, work_docs, **kwargs):
        calls["pages"] = real_docs(results, work_docs, **kwargs)
        calls["offices"] = sorted(p.stem for p in (work_docs / "offices").glob("*.md"))
        return calls["pages"]

    def gate_spy(scan, workers=1):
        leaks = real_gate(scan, workers)
        pages = sorted(p.relative_to(scan.root).as_posix() for p in scan.root.rglob("*.html"))
        calls["scanned"] = sorted(scan.digests)
        calls["left"] = scan.changed(pages)
        return leaks

    monkeypatch.setattr(build, "write_docs", docs_spy)
    monkeypatch.setattr(build, "privacy_gate", gate_spy)
    monkeypatch.setattr(build, "PARALLEL_FROM", 10**6)  # the whole scan in this process, to look at
    results = build_site(SAMPLE_DATA, tmp_path / "site", build_date=BUILD_DATE, templates_dir=templates)
    site = tmp_path / "site"
    offices = sorted({c.office_id.lower() for c in results.scorecards})
    assert calls["offices"] == sorted(["index", *offices])
    # the gate scanned every page with the bytes that were published
    assert calls["scanned"] == sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert calls["left"] == []
    assert calls["pages"] == sum(1 for p in site.rglob("*.html") if p.name != "404.html")
    assert "hooks" not in yaml.load((tmp_path / ".build" / "mkdocs.yml").read_text(encoding="utf-8"), Loader=build.ConfigLoader)  # noqa: S506
