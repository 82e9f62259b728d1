"""The built site in a real browser: Debian's chromium driven by Playwright, served on localhost.

The site is built once per session from the bundled sample data (the site `invoke build` makes);
expected numbers are read from the run's own scorecards.csv. Every request is routed: anything
not on 127.0.0.1 fails the test (the site must work offline), and console errors fail it too.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
from _site_helpers import SiteServer

from pipeline.build import SAMPLE_DATA, build_site
from pipeline.outputs.form_workbook import write_templates
from pipeline.outputs.pages import PROJECT_ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = PROJECT_ROOT / "artifacts"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-site")
    write_templates(root / "templates")  # as the specs make them (the committed ones: test_templates)
    build_site(SAMPLE_DATA, root / "site", build_date="2026-07-01", templates_dir=root / "templates")
    return root


@pytest.fixture(scope="session")
def server(built_site):
    with SiteServer(built_site / "site") as srv:
        yield srv


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("浏览器测试需要 chromium:sudo apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Guard:
    """Collects console errors, page errors and every request that tried to leave localhost."""

    def __init__(self):
        self.errors: list[str] = []
        self.outside: list[str] = []

    def route(self, route):
        url = route.request.url
        if re.match(r"^(http://127\.0\.0\.1:\d+/|data:|blob:|about:)", url):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def check(self):
        assert self.outside == [], f"requests left localhost: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def page(browser, server):
    guard = Guard()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.route("**/*", guard.route)
    pg = context.new_page()
    pg.on("console", lambda m: guard.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: guard.errors.append(str(e)))
    pg.base = server.url
    yield pg
    context.close()
    guard.check()


def scorecards(built_site: Path) -> list[dict]:
    with open(built_site / ".build" / "out" / "scorecards.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def ranked(built_site: Path, period: str) -> list[dict]:
    rows = [r for r in scorecards(built_site) if r["period"] == period and r["status"] == "scored"]
    return sorted(rows, key=lambda r: (int(r["rank"]), r["office_id"]))


def latest_quarter(built_site: Path) -> str:
    return max(r["period"] for r in scorecards(built_site) if len(r["period"]) == 6 and r["status"] == "scored")


def search(page, text: str) -> None:
    """Type into Material's search box. Chinese arrives through an IME without key events, so a
    final key press (as a real IME's commit makes) lets Material read the query."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(text)
    box.press("End")


def test_home_page(page, built_site):
    from pipeline.outputs.pages.env import period_label

    page.goto(page.base)
    assert page.title().startswith("业务所长考核")
    assert page.locator("h1").first.inner_text().rstrip("¶") == "业务所长考核"
    quarter = latest_quarter(built_site)
    summary = page.locator(".summary-card").first
    assert summary.locator("h3").inner_text() == period_label(quarter)
    assert summary.locator("ol.podium li").first.inner_text().startswith(ranked(built_site, quarter)[0]["office_name"])
    tabs = page.locator(".md-tabs").inner_text()
    for tab in ("制度手册", "填报指南", "考核结果", "业务所", "提交情况"):
        assert tab in tabs


def test_ranking_page(page, built_site):
    page.goto(page.base + "results/2026Q1.html")
    rows = page.locator('table[data-table="ranking"] tbody tr')
    expected = ranked(built_site, "2026Q1")
    assert rows.count() == len(expected) >= 3
    for i, r in enumerate(expected):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[0] == r["rank"]
        assert cells[1].startswith(r["office_name"])
        assert cells[3] == f"{float(r['score']):.1f}"
        assert cells[4] == r["grade"]
    rows.first.locator("a").first.click()
    page.wait_for_url(f"**/offices/{expected[0]['office_id'].lower()}.html")


def test_scorecard_numbers_equal_scorecards_csv(page, built_site):
    quarter = latest_quarter(built_site)
    row = ranked(built_site, quarter)[1]
    page.goto(page.base + f"offices/{row['office_id'].lower()}.html")
    summary = page.locator(f'.scorecard-summary[data-period="{quarter}"]')
    assert summary.locator('[data-field="score"]').inner_text() == f"{float(row['score']):.1f}"
    assert summary.locator('[data-field="rank"]').inner_text() == row["rank"]
    table = page.locator(f'table[data-table="kpi-table"][data-period="{quarter}"]')
    for kpi, column in (("销售目标完成率", "attainment"), ("团队成员流失率", "attrition"), ("团队绩效达标率", "pass_rate")):
        cell = table.locator(f'tr[data-kpi="{kpi}"] td').nth(1).inner_text()
        assert cell == (f"{float(row[column]) * 100:.1f}%" if row[column] else "不适用")


def test_chart_is_visible_with_chinese_labels(page):
    page.goto(page.base + "results/2026Q1.html")
    chart = page.locator("svg.chart-dist").first
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 80
    labels = chart.locator("text.label").all_text_contents()
    assert labels == ["优秀", "良好", "合格", "不合格"]
    assert chart.locator("title").first.text_content() == "2026 年第一季度考核等级分布"


def test_search_finds_the_handbook_for_liushilv(page):
    page.goto(page.base)
    search(page, "流失率")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15000)
    links = [a.get_attribute("href") for a in page.locator(".md-search-result__link").all()]
    assert any("handbook/assessment.html" in (h or "") for h in links), links
    assert "团队成员流失率" in page.locator(".md-search-result").inner_text().replace("\u200b", "")


def test_search_finds_an_office_by_name(page, built_site):
    office = ranked(built_site, "2026Q1")[-1]
    page.goto(page.base)
    search(page, office["office_name"])
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    links = [a.get_attribute("href") for a in page.locator(".md-search-result__link").all()]
    assert any(f"offices/{office['office_id'].lower()}.html" in (h or "") for h in links), links


def test_year_page_shows_honours(page, built_site):
    years = sorted({r["period"] for r in scorecards(built_site) if len(r["period"]) == 4 and r["status"] == "scored"})
    page.goto(page.base + f"results/{years[0]}.html")
    names = page.locator(".honour .honour-name").all_inner_texts()
    assert names == ["优秀业务所长", "年终特别奖励", "晋升优先", "培训与发展激励"]
    top = ranked(built_site, years[0])[0]
    if top["grade"] == "优秀":  # the policy: the top 10 % of 优秀 offices, at least one
        assert top["office_name"] in page.locator(".honour").first.inner_text()


def test_phone_width_scorecard(browser, server):
    guard = Guard()
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    context.route("**/*", guard.route)
    pg = context.new_page()
    pg.on("console", lambda m: guard.errors.append(m.text) if m.type == "error" else None)
    try:
        pg.goto(server.url + "offices/bj01.html")
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"page is {width}px wide on a 390px screen"
        assert pg.locator("svg.chart").first.bounding_box()["width"] <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "phone-scorecard.png"), full_page=True)
        pg.goto(server.url + "results/2026Q1.html")
        pg.screenshot(path=str(ARTIFACTS / "phone-ranking.png"), full_page=True)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    guard.check()
    assert (ARTIFACTS / "phone-scorecard.png").stat().st_size > 10_000
