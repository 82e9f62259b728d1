"""The hostile end-to-end suite: a company whose every text cell is an attack, plus hostile files.

The site is built once per worker (`python -m pipeline build --keep-going`, as CI would), then
checked by scanning every file and by visiting every page in Debian's chromium: no dialog, no
script from input, no request leaving 127.0.0.1, the valid offices scored, the bad one `invalid`.
The hostile files go through the whole run: the crash-isolated pool, the facts' plain form, the
engine and every output.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _attack_strings import (
    FORMULA_PREFIXES,
    html_problems,
    html_text,
    write_hostile_dataset,
)
from _read_helpers import encrypted_xlsx, entity_bomb, far_cell, filled_bytes, good_cover, legacy_xls, zip_bomb
from _site_helpers import SiteServer

from pipeline.forms import ALL_FORMS
from pipeline.outputs.pages.escape import one_line

HOSTILE_FILES = {  # file name -> (builder, the finding code it must produce)
    "zip-bomb.xlsx": (zip_bomb, "file-too-large"),
    "entity-bomb.xlsx": (entity_bomb, "file-xml-unsafe"),
    "far-cell.xlsx": (far_cell, "file-too-large"),
    "encrypted.xlsx": (lambda _: encrypted_xlsx(), "file-encrypted"),
    "renamed-xls.xlsx": (lambda _: legacy_xls(), "file-xls"),
}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def hostile(tmp_path_factory) -> dict:
    """Data, built site and run outputs of the hostile company (built once per test worker)."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    written = write_hostile_dataset(data, office_ids=("BJ01", "SH01", "GZ01"), long_office="GZ01")
    base = filled_bytes("clients", cover=good_cover("GZ01"))
    for name, (make, _) in HOSTILE_FILES.items():
        (data / "submissions" / "2026Q1" / "GZ01" / name).write_bytes(make(base))
    site = root / "site"
    result = subprocess.run([sys.executable, "-m", "pipeline", "build", "--data", str(data), "--site", str(site),
                             "--keep-going", "--workers", "1"], cwd=root, capture_output=True, text=True, timeout=600)
    return {"root": root, "site": site, "out": root / ".build" / "out", "result": result, **written}


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.relative_to(site).parts)


def test_keep_going_build_succeeds_and_scores_every_valid_office(hostile):
    result = hostile["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    with (hostile["out"] / "scorecards.csv").open(encoding="utf-8-sig", newline="") as fh:
        status = {r["office_id"]: r["status"] for r in csv.DictReader(fh) if r["period"] == "2026Q1"}
    assert status == {"BJ01": "scored", "SH01": "scored", "GZ01": "invalid",
                      "../<s>x\"": "missing", "<i>y</i>": "missing"}


def test_hostile_files_become_findings_naming_the_file(hostile):
    report = json.loads((hostile["out"] / "validation.json").read_text("utf-8"))
    codes = {(f["file"], f["code"]) for f in report["findings"]}
    for name, (_, code) in HOSTILE_FILES.items():
        assert (f"submissions/2026Q1/GZ01/{name}", code) in codes
    # the 100,000-character cell is an error of its own cell, not a crash
    assert ("submissions/2026Q1/GZ01/clients.xlsx", "type-text") in codes


def test_every_generated_page_is_inert_and_shows_the_text(hostile):
    site = hostile["site"]
    pages = _pages(site)
    assert len(pages) >= 15
    problems = {p.relative_to(site).as_posix(): html_problems(p.read_text("utf-8")) for p in pages}
    assert {k: v for k, v in problems.items() if v} == {}
    # the attack text really reached the pages (as text): the office names are listed
    offices_page = html_text((site / "offices" / "index.html").read_text("utf-8"))
    for office in hostile["offices"]:
        assert one_line(office["office_name"])[:40] in offices_page
    # the 100,000-character value is never written out whole
    assert max(p.stat().st_size for p in pages) < 2_000_000
    assert not any("长" * 1000 in p.read_text("utf-8") for p in pages)


def test_page_titles_cannot_break_out_of_the_title_element(hostile):
    import re

    for page in _pages(hostile["site"]):
        html = page.read_text("utf-8")
        head = html.split("</head>", 1)[0]
        titles = re.findall(r"<title>(.*?)</title>", head, flags=re.S)
        assert len(titles) == 1 and "<" not in titles[0], (page, titles)


def test_search_index_holds_the_text_only_as_inert_text(hostile):
    index = json.loads((hostile["site"] / "search" / "search_index.json").read_text("utf-8"))
    docs = index["docs"]
    blob = "\n".join(d.get("text", "") + d.get("title", "") for d in docs)
    assert "pwned" in blob  # the hostile text is searchable …
    for doc in docs:  # … but Material inserts these as HTML, so each must be inert
        assert html_problems(doc.get("title", "")) == [], doc["location"]
        assert html_problems(doc.get("text", "")) == [], doc["location"]


def test_exports_of_the_build_are_spreadsheet_safe(hostile):
    from openpyxl import load_workbook

    with (hostile["out"] / "scorecards.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            for column in ("office_id", "office_name", "status", "grade"):
                assert not row[column].startswith(FORMULA_PREFIXES), (column, row[column])
    books = sorted(hostile["out"].glob("*.xlsx"))  # HR's workbook of each period (the quarter, its year)
    assert [p.name for p in books] == ["考核结果-2026Q1.xlsx", "考核结果-2026年度.xlsx"]
    for ws in (ws for path in books for ws in load_workbook(path).worksheets):
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert not any(t in str(cell.value) for t in ("HYPERLINK", "cmd|", "pwned", "evil")), \
                        f"{ws.title}!{cell.coordinate}"
                elif isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_PREFIXES), f"{ws.title}!{cell.coordinate}"


def test_downloadable_templates_are_blank(hostile):
    from pipeline.outputs.privacy import template_not_blank

    downloads = sorted((hostile["site"]).rglob("*.xlsx"))
    # the blank templates are the only workbooks shipped: HR's workbooks (salary data) never are
    assert {p.name for p in downloads} <= {f.download_name for f in ALL_FORMS}
    assert {p.name for p in downloads} >= {"招聘与团队.xlsx", "培训计划.xlsx", "客户开发与维护.xlsx", "项目管理.xlsx"}
    assert not list(hostile["site"].rglob("考核结果-*"))
    assert {p.name: template_not_blank(p) for p in downloads} == {p.name: [] for p in downloads}


@pytest.mark.browser
def test_every_page_in_a_real_browser(hostile):
    """Visit every page: no dialog, no input script ran, no request left 127.0.0.1; search too."""
    from playwright.sync_api import sync_playwright

    site = hostile["site"]
    urls = []
    for page_path in _pages(site):
        rel = page_path.relative_to(site).as_posix()
        urls.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    dialogs: list[str] = []
    outside: list[str] = []
    with SiteServer(site) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context()

            def route(r):
                url = r.request.url
                if url.startswith(server.url) or url.startswith(("data:", "blob:", "about:")):
                    r.continue_()
                else:
                    outside.append(url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for url in urls:
                page.goto(server.url + url, wait_until="load")
                assert page.evaluate("typeof window.__pwned") == "undefined", url
            # Material's search renders index entries as HTML: search for the payloads
            page.goto(server.url, wait_until="load")
            found = {}
            # words the separator leaves whole inside the payloads (alert(1), (javascript:…, onerror=…)
            for query in ("alert", "javascript", "onerror", "window"):
                page.click("input.md-search__input")  # the header's search box (desktop layout)
                page.fill("input.md-search__input", query)
                for attempt in range(40):  # wait for results that highlight this query
                    page.wait_for_timeout(250)
                    marks = page.locator(".md-search-result mark").all_inner_texts()
                    if any(query.lower() in m.lower() for m in marks):
                        break
                    if attempt % 8 == 7:  # typed before the worker had loaded the index: retype
                        page.press("input.md-search__input", "End")
                        page.keyboard.type(" ")
                        page.keyboard.press("Backspace")
                found[query] = page.locator(".md-search-result__item").count()
                assert page.evaluate("typeof window.__pwned") == "undefined", query
                assert page.locator(".md-search-result script, .md-search-result iframe, "
                                    ".md-search-result img[onerror]").count() == 0
                page.keyboard.press("Escape")
        finally:
            browser.close()
    assert dialogs == []
    assert outside == []
    assert len(urls) >= 15
    assert min(found.values()) > 0  # the payloads were really rendered as search results


def test_a_planted_private_value_fails_the_build_naming_column_and_page(tmp_path, data_dir, make_reference,
                                                                       make_workbook):
    """Privacy gate end to end: a roster name planted into a page stops the publish; site untouched."""
    from pipeline.build import DOCS_DIR, BuildError, render_and_publish
    from pipeline.run import run

    make_reference()
    make_workbook("recruitment", "submissions/2026Q1/BJ01/recruitment.xlsx", rows={"roster": [
        {"employee_id": "E1", "name": "慕容真名", "join_date": "2024-01-02", "rating": "良好"}]})
    results = run(data_dir, tmp_path / "out", workers=1).results
    docs = tmp_path / "docs"
    shutil.copytree(DOCS_DIR, docs)
    with (docs / "index.md").open("a", encoding="utf-8") as fh:
        fh.write("\n\n本季度表现突出的成员:慕容真名。\n")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("上一次发布的网站", "utf-8")
    with pytest.raises(BuildError) as info:
        render_and_publish(results, site, work_dir=tmp_path / ".build", docs_dir=docs)
    message = info.value.message
    assert not info.value.usage  # a data problem: exit code 1
    assert "隐私检查" in message
    assert "index.html 含有“团队名册 › 姓名”的值（慕***）" in message
    assert "search/search_index.json#" in message  # the search index is caught as well
    assert "慕容真名" not in message
    assert [p.name for p in site.iterdir()] == ["index.html"]
    assert (site / "index.html").read_text("utf-8") == "上一次发布的网站"
    assert not list(tmp_path.glob(".site.tmp-*"))
