"""The built site in a real browser: Debian's chromium driven by Playwright, served on localhost.

The site is built once per session from the bundled sample data (the site `invoke build` makes);
expected numbers are read from the run's own scorecards.csv. Every request is routed: anything
not on 127.0.0.1 fails the test (the site must work offline), and console errors fail it too.
Accessibility: axe-core (tests/_axe.py) on every kind of page, at desktop and phone width, in the
light and the dark scheme; and the keyboard alone through a scorecard, with a visible focus ring.
"""

from __future__ import annotations

import contextlib
import csv
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import _axe
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


DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@contextlib.contextmanager
def browsing(browser, server, init_script: str | None = None, **options):
    """A page in a fresh browser context (`options`: viewport, color_scheme …), guarded."""
    guard = Guard()
    context = browser.new_context(locale="zh-CN", **{**DESKTOP, **options})
    if init_script:
        context.add_init_script(script=init_script)
    context.route("**/*", guard.route)
    pg = context.new_page()
    pg.on("console", lambda m: guard.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: guard.errors.append(str(e)))
    pg.base = server.url
    try:
        yield pg
    finally:
        context.close()
    guard.check()


@pytest.fixture
def page(browser, server):
    with browsing(browser, server) as pg:
        yield pg


def scorecards(built_site: Path) -> list[dict]:
    with open(built_site / ".build" / "out" / "scorecards.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def ranked(built_site: Path, period: str) -> list[dict]:
    rows = [r for r in scorecards(built_site) if r["period"] == period and r["status"] == "scored"]
    return sorted(rows, key=lambda r: (int(r["rank"]), r["office_id"]))


def latest_quarter(built_site: Path) -> str:
    return max(r["period"] for r in scorecards(built_site) if len(r["period"]) == 6 and r["status"] == "scored")


def latest_year(built_site: Path) -> str:
    return max(r["period"] for r in scorecards(built_site) if len(r["period"]) == 4 and r["status"] == "scored")


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
    for tab in ("制度手册", "填报指南", "考核结果", "业务所", "提交与校验"):
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


def test_the_kpi_provenance_marks_the_sample_adjustment(page, built_site):
    """sample_data: SH01's 2026Q2 市场占有率 was set after review (reviews.xlsx); the 2026 scorecard pools
    it, and its 数据来源 says so: the original, the value after review, the reason and HR's approval —
    a role and a date, never the approver's name."""
    year = next(r for r in scorecards(built_site) if r["period"] == "2026" and r["office_id"] == "SH01")
    page.goto(page.base + "offices/sh01.html")
    value = page.locator('table[data-table="kpi-table"][data-period="2026"] tr[data-kpi="市场占有率"] td').nth(1)
    assert value.inner_text() == f"{float(year['market_share']) * 100:.1f}%"
    details = page.locator('details.sources[data-period="2026"]')
    assert details.locator("summary").inner_text().endswith("（含经复核调整）")
    details.locator("summary").click()
    row = details.locator("tr[data-adjusted]")
    assert row.count() == 1 and row.get_attribute("data-kpi") == "市场占有率"
    text = row.inner_text()
    for part in ("reviews.xlsx", "调整", "A2:H2", "2026Q2 经复核调整，计入年度合并计算", "原为 不适用", "调整为 10.0%",
                 "复核后取得该季度的市场规模", "人力资源部复核批准，2026-07-20"):
        assert part in text, part
    assert "人力资源部经办人" not in page.content()


@pytest.mark.parametrize("rank", [0, -1])  # the best and the worst scorecard of the latest quarter
def test_a_scorecard_prints_on_two_a4_pages_without_navigation(page, built_site, tmp_path, rank):
    row = ranked(built_site, latest_quarter(built_site))[rank]
    page.goto(page.base + f"offices/{row['office_id'].lower()}.html")
    content = page.locator(".md-content").inner_text()
    navigation = {t.strip() for t in page.locator(
        ".md-tabs__link, .md-nav__link, .md-header__topic, .md-footer, .md-search__input").all_inner_texts()}
    nav_only = {t for t in navigation if t and t not in content}
    assert {"填报指南", "提交情况"} <= nav_only
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(page.pdf(format="A4"))  # print media, as the browser's print dialog
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 1 <= pages <= 2 and "(A4)" in info
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert [t for t in nav_only if t in printed] == []
    assert row["office_name"] in printed and f"{float(row['score']):.1f}" in printed


def test_chart_is_visible_with_chinese_labels(page):
    page.goto(page.base + "results/2026Q1.html")
    chart = page.locator("svg.chart-dist").first
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 80
    labels = chart.locator("text.label").all_text_contents()
    assert labels == ["优秀", "良好", "合格", "不合格"]
    assert chart.locator("title").first.text_content() == "2026年第一季度考核等级分布"


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
    with browsing(browser, server, **PHONE, device_scale_factor=2) as pg:
        pg.goto(server.url + "offices/bj01.html")
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"page is {width}px wide on a 390px screen"
        assert pg.locator("svg.chart").first.bounding_box()["width"] <= 390
        pg.goto(server.url + "results/2026Q1.html")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    # the screenshots are test_screenshots_of_the_main_pages' (one scale for all: this one wrote 2× over them)


# ---------------------------------------------------------------------------------------------
# Accessibility


def page_kinds(built_site: Path) -> dict[str, str]:
    """One page of every kind the site has (kind -> path), the guide's generated reference pages included."""
    year = latest_year(built_site)
    return {
        "首页": "index.html",
        "制度手册目录": "handbook/index.html",  # a committed pipe table
        "制度手册第四章": "handbook/assessment.html",  # the policy tables
        "季度排名": f"results/{latest_quarter(built_site)}.html",
        "年度排名": f"results/{year}.html",
        "考核结果一览": "results/index.html",
        "业务所一览": "offices/index.html",
        "记分卡": f"offices/{ranked(built_site, year)[0]['office_id'].lower()}.html",  # with honour tags
        "提交情况": "submissions.html",
        "校验报告": "validation.html",
        "模板下载": "guide/templates.html",
        "填报指南": "guide/index.html",
        "字段说明": "guide/fields.html",
        "校验代码": "guide/codes.html",
    }


SCHEMES = {"light": "default", "dark": "slate"}  # color_scheme -> Material's scheme it must select
WIDTHS = {1280: DESKTOP, 390: PHONE}


def settle(pg) -> None:
    """Two frames after load: Material has wrapped the tables and scroll-tables.js has marked them."""
    pg.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_kind_of_page_passes_axe(browser, server, built_site, scheme, width):
    found = {}
    with browsing(browser, server, _axe.source(), color_scheme=scheme, **WIDTHS[width]) as pg:
        for kind, path in page_kinds(built_site).items():
            pg.goto(pg.base + path)
            settle(pg)
            assert pg.evaluate("document.body.dataset.mdColorScheme") == SCHEMES[scheme], path
            if kind == "记分卡":
                assert pg.locator(".honour-tag").count() > 0, "the scorecard checked must show honour tags"
            found[path] = _axe.run(pg)
    _axe.write_report(ARTIFACTS, f"{scheme}-{width}", found)
    bad = {path: _axe.failing(v) for path, v in found.items() if _axe.failing(v)}
    assert not bad, "\n".join(_axe.describe(path, v) for path, v in bad.items())


# What the focused element is and how its ring looks: the colour of the outline and of what is
# behind it (backgrounds composited up the tree). Material's palette toggle is a radio of no size
# whose ring is drawn on the icon beside it. Focus starts CSS transitions (the search field's
# background fades in over 250 ms): the colours are read once they have finished, not halfway
# through, which a loaded machine would otherwise catch.
FOCUSED = """async () => {
  await Promise.race([Promise.all(document.getAnimations().map(a => a.finished.catch(() => null))),
                      new Promise(done => setTimeout(done, 2000))]);
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const again = el.hasAttribute("data-tab-seen");
  el.setAttribute("data-tab-seen", "");
  const shown = el.matches(".md-option") ? el.parentElement.querySelector("label:not([hidden])") : el;
  const style = getComputedStyle(shown);
  const layers = [];
  for (let node = shown.parentElement; node; node = node.parentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    layers.push(bg);
    if (!bg.startsWith("rgba") ) break;
  }
  return {again, tag: el.tagName.toLowerCase(), palette: el.matches(".md-option"), text: (el.getAttribute("aria-label") || el.textContent).trim().slice(0, 40),
          control: el.matches("a[href], button, input, select, textarea, summary, [tabindex]"),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor, layers};
}"""

EXPECTED = """() => {
  const wanted = [...document.querySelectorAll(
    ".md-content a[href], .md-content summary, .md-sidebar--secondary a[href], .md-search__input")];
  const shown = wanted.filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden");
  shown.forEach(el => el.setAttribute("data-tab-expected", ""));
  return shown.length;
}"""


def _rgba(text: str) -> tuple[float, float, float, float]:
    values = [float(v) for v in re.findall(r"[\d.]+", text)]
    return (*values[:3], values[3] if len(values) > 3 else 1.0)


def _luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ring_contrast(color: str, layers: list[str]) -> float:
    """Contrast of the focus ring against the background behind it (WCAG 1.4.11 asks 3:1)."""
    behind = (255.0, 255.0, 255.0)
    for layer in reversed(layers):  # from the outermost (opaque) inwards
        *rgb, alpha = _rgba(layer)
        behind = tuple(a * alpha + b * (1 - alpha) for a, b in zip(rgb, behind))
    hi, lo = sorted((_luminance(_rgba(color)), _luminance(behind)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_keyboard_reaches_everything_on_a_scorecard_with_a_visible_focus_ring(browser, server, built_site, scheme):
    office = ranked(built_site, latest_quarter(built_site))[0]["office_id"].lower()
    with browsing(browser, server, color_scheme=scheme) as pg:
        pg.goto(pg.base + f"offices/{office}.html")
        settle(pg)
        expected = pg.evaluate(EXPECTED)
        stops = []
        for _ in range(400):
            pg.keyboard.press("Tab")
            focused = pg.evaluate(FOCUSED)
            if focused is None or focused["again"]:
                break
            stops.append(focused)
        assert len(stops) >= expected > 20
        assert any(stop["palette"] for stop in stops), "the palette toggle is not reachable by keyboard"
        for stop in stops:
            assert stop["control"], f"focus landed on something that is no control: {stop}"
            assert stop["outline"] != "none" and stop["width"] >= 2, f"no visible focus ring: {stop}"
            assert ring_contrast(stop["color"], stop["layers"]) >= 3, f"focus ring too faint: {stop}"
        missed = pg.locator("[data-tab-expected]:not([data-tab-seen])")
        assert missed.count() == 0, f"not reachable by keyboard: {missed.evaluate_all('els => els.map(e => e.outerHTML.slice(0, 120))')}"

        # operable: Enter opens the sources of a KPI table and switches the colour scheme
        summary = pg.locator("details.sources summary").first
        summary.focus()
        pg.keyboard.press("Enter")
        assert pg.locator("details.sources").first.evaluate("d => d.open")
        pg.locator(".md-option").first.focus()  # Material's palette toggle: Enter switches the scheme
        pg.keyboard.press("Enter")
        other = "default" if SCHEMES[scheme] == "slate" else "slate"
        assert pg.evaluate("document.body.dataset.mdColorScheme") == other


# ---------------------------------------------------------------------------------------------
# Layout: tables fit, charts readable, navigation, search from disk, screenshots

# Every table of the page that is shown: its width against the box it sits in (Material's scroll
# wrapper, or its parent). A table wider than that box scrolls sideways or pushes the page wide.
TABLE_WIDTHS = """() => [...document.querySelectorAll(".md-content table")]
  .filter(t => !t.closest(".visually-hidden") && t.getClientRects().length)
  .map(t => {
    const box = t.closest(".md-typeset__scrollwrap") || t.parentElement;
    return {table: t.getAttribute("data-table") || t.getAttribute("aria-label") || "?",
            width: t.scrollWidth, room: box.clientWidth};
  })"""


def layout_pages(built_site: Path) -> list[str]:
    """Every page the site has: one left out (性能测试, the developers' pages, 404) had a table wider
    than its column."""
    site = built_site / "site"
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_the_layout_check_covers_every_kind_of_page(built_site):
    pages = layout_pages(built_site)
    assert set(page_kinds(built_site).values()) | {"performance.html", "guide/json-report.html", "guide/analysis.html",
                                                   "404.html"} <= set(pages)
    assert len(pages) == len(list((built_site / "site").rglob("*.html"))) > 30


@pytest.mark.parametrize("width", WIDTHS)
def test_no_table_is_wider_than_its_column(browser, server, built_site, width):
    too_wide, measured = {}, 0
    with browsing(browser, server, **WIDTHS[width]) as pg:
        for path in layout_pages(built_site):
            pg.goto(pg.base + path)
            settle(pg)
            tables = pg.evaluate(TABLE_WIDTHS)
            measured += len(tables)
            wide = [t for t in tables if t["width"] > t["room"] + 1]
            if wide:
                too_wide[path] = wide
            assert pg.evaluate("document.documentElement.scrollWidth") <= width, path
    assert measured > 20
    assert too_wide == {}


def test_a_phone_shows_the_ranking_without_the_block_columns_and_the_scorecard_as_cards(browser, server, built_site):
    quarter = latest_quarter(built_site)
    with browsing(browser, server, **PHONE) as pg:
        pg.goto(pg.base + f"results/{quarter}.html")
        headers = pg.locator('table[data-table="ranking"] th').evaluate_all(
            "ths => ths.filter(th => th.getClientRects().length).map(th => th.textContent.trim())")
        assert headers == ["名次", "业务所", "得分", "等级"]
        office = ranked(built_site, quarter)[0]["office_id"].lower()
        pg.goto(pg.base + f"offices/{office}.html")
        row = pg.locator(f'table[data-table="kpi-table"][data-period="{quarter}"] tr[data-kpi="销售目标完成率"]')
        labels = row.locator("td").evaluate_all(
            "tds => tds.filter(td => td.getClientRects().length).map(td => getComputedStyle(td, '::before').content)")
        # every column, each value under its name (the first cell is the card's title)
        assert labels[1:] == ['"指标值"', '"指标得分"', '"权重"', '"贡献分"']
        box = row.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390


# The size a chart's text is drawn at, in CSS pixels: its font size in the chart's units times the
# chart's scale on the screen.
CHART_TEXT = """() => [...document.querySelectorAll("svg.chart text")]
  .filter(t => t.getClientRects().length && getComputedStyle(t).display !== "none")
  .map(t => ({text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a}))"""


@pytest.mark.parametrize("width", WIDTHS)
def test_chart_text_is_readable_and_captions_are_upright(browser, server, built_site, width):
    office = ranked(built_site, latest_year(built_site))[0]["office_id"].lower()
    with browsing(browser, server, **WIDTHS[width]) as pg:
        for path in ("index.html", f"results/{latest_quarter(built_site)}.html", f"offices/{office}.html"):
            pg.goto(pg.base + path)
            settle(pg)
            texts = pg.evaluate(CHART_TEXT)
            assert len(texts) > 5, path
            small = [t for t in texts if t["px"] < 12]
            assert small == [], f"{path}: chart text under 12 px: {small[:5]}"
            styles = pg.locator("figure.chart-figure figcaption").evaluate_all(
                "cs => cs.map(c => getComputedStyle(c).fontStyle)")
            assert "italic" not in styles, path


# The x-axis labels of each line chart that are shown (a phone hides the minor ones): their boxes.
X_LABELS = """() => [...document.querySelectorAll("svg.chart-line")].map(svg =>
  [...svg.querySelectorAll("text.tick")]
    .filter(t => /^\\d{4}(Q\\d)?$/.test(t.textContent) && getComputedStyle(t).display !== "none")
    .map(t => { const r = t.getBoundingClientRect(); return {text: t.textContent, left: r.left, right: r.right}; }))"""


@pytest.mark.parametrize("width", WIDTHS)
def test_x_axis_labels_never_overlap(browser, server, built_site, width):
    """An office's trends over eight quarters: on a 390 px phone 2026Q3 and 2026Q4 overlapped."""
    office = ranked(built_site, latest_year(built_site))[0]["office_id"].lower()
    with browsing(browser, server, **WIDTHS[width]) as pg:
        pg.goto(pg.base + f"offices/{office}.html")
        settle(pg)
        charts = pg.evaluate(X_LABELS)
        assert len(charts) >= 2 and all(len(labels) >= 4 for labels in charts)
        for labels in charts:
            assert labels[-1]["text"] == max(label["text"] for label in labels)  # the latest quarter is labelled
            for a, b in zip(labels, labels[1:], strict=False):
                assert a["right"] + 4 <= b["left"], f"{a['text']} and {b['text']} overlap at {width} px: {labels}"


def test_footer_links_carry_the_year_and_go_forward_in_time(page, built_site):
    quarters = sorted({r["period"] for r in scorecards(built_site) if len(r["period"]) == 6})
    first_of_year = next(q for q in quarters if q.endswith("Q1") and q[:4] != quarters[0][:4])
    page.goto(page.base + f"results/{first_of_year}.html")
    previous = page.locator(".md-footer__link--prev .md-ellipsis").inner_text().strip()
    following = page.locator(".md-footer__link--next .md-ellipsis").inner_text().strip()
    year = int(first_of_year[:4])
    assert previous == f"{year - 1}年度"
    assert following == f"{year}年第二季度"


def test_search_works_from_disk_without_any_request_outside_the_site(browser, built_site):
    """README: site/index.html can be opened directly. Material's offline plugin, with its worker
    shim served from the site itself."""
    site = (built_site / "site").resolve()
    outside, errors = [], []
    context = browser.new_context(locale="zh-CN", **DESKTOP)

    def route(r):
        if r.request.url.startswith(("file://", "data:", "blob:", "about:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        pg.goto(site.as_uri() + "/index.html")
        search(pg, "流失率")
        pg.locator(".md-search-result__item").first.wait_for(timeout=15000)
        links = [a.get_attribute("href") for a in pg.locator(".md-search-result__link").all()]
        assert any("handbook/assessment.html" in (h or "") for h in links), links
        assert all((h or "").startswith("file://") for h in links)
    finally:
        context.close()
    assert outside == [] and errors == []


def _downloads_work(pg, site: Path, saved: Path) -> list[str]:
    """Click every link of 模板下载 (the page open in `pg`): each resolves to a file in the site and
    downloads under its Chinese name, a workbook whose template id is inside it. The names, in order."""
    from pipeline.forms import ALL_FORMS
    from pipeline.intake.read import read_workbook

    by_name = {f.download_name: f for f in ALL_FORMS}
    links = pg.locator("a[download]")
    names = []
    for index in range(links.count()):
        link = links.nth(index)
        name = link.inner_text().strip()
        assert (link.get_attribute("href") or "").isascii(), name  # percent-encoded, as a URL is
        target = unquote(urlsplit(link.evaluate("a => a.href")).path)  # what the browser resolved
        assert target.endswith(f"/downloads/{name}")
        shipped = site / "downloads" / name
        assert shipped.is_file()
        with pg.expect_download() as info:
            link.click()
        download = info.value
        assert download.failure() is None and download.suggested_filename == name
        download.save_as(saved / name)
        assert (saved / name).read_bytes() == shipped.read_bytes()
        assert read_workbook(saved / name, name).form_id == by_name[name].id  # known by content, not name
        names.append(name)
    return names


def test_template_downloads_resolve_and_download_under_their_chinese_names(browser, server, built_site, tmp_path):
    """模板下载 served over HTTP: 招聘与团队.xlsx …, each link found and the file downloaded intact."""
    from pipeline.forms import ALL_FORMS

    with browsing(browser, server, accept_downloads=True) as pg:
        pg.goto(pg.base + "guide/templates.html")
        names = _downloads_work(pg, built_site / "site", tmp_path)
    assert names == [f.download_name for f in ALL_FORMS]


def test_template_downloads_work_from_disk(browser, built_site, tmp_path):
    """README: the site also works opened from disk (file://); the downloads too."""
    from pipeline.forms import ALL_FORMS

    site = (built_site / "site").resolve()
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **DESKTOP)
    try:
        pg = context.new_page()
        pg.goto(site.as_uri() + "/guide/templates.html")
        names = _downloads_work(pg, site, tmp_path)
    finally:
        context.close()
    assert names == [f.download_name for f in ALL_FORMS]


SCREENSHOTS = {"home": "index.html", "ranking": None, "scorecard": None, "submissions": "submissions.html",
               "validation": "validation.html"}


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_of_the_main_pages(browser, server, built_site, width):
    """artifacts/<desktop|phone>-<page>.png: what the site looks like, for review."""
    paths = {**SCREENSHOTS, "ranking": f"results/{latest_quarter(built_site)}.html",
             "scorecard": f"offices/{ranked(built_site, latest_year(built_site))[0]['office_id'].lower()}.html"}
    name = "desktop" if width == 1280 else "phone"
    ARTIFACTS.mkdir(exist_ok=True)
    with browsing(browser, server, **WIDTHS[width]) as pg:
        for kind, path in paths.items():
            target = ARTIFACTS / f"{name}-{kind}.png"
            target.unlink(missing_ok=True)
            pg.goto(pg.base + path)
            settle(pg)
            pg.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 10_000
            assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------------------------
# policy.yaml `publish: commendation`: the pages a visitor sees hold no score of an office not commended


@pytest.fixture(scope="module")
def commendation_site(tmp_path_factory):
    import copy

    import yaml
    from _site_helpers import write_small_data

    from pipeline.engine.policy import DEFAULT_POLICY_PATH

    root = tmp_path_factory.mktemp("commendation-site")
    raw = copy.deepcopy(yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8")))
    raw["publish"] = "commendation"
    policy = root / "policy" / "policy.yaml"
    policy.parent.mkdir()
    policy.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    write_templates(root / "templates")
    results = build_site(write_small_data(root / "data"), root / "site", policy_path=policy,
                         build_date="2026-07-01", templates_dir=root / "templates")
    with SiteServer(root / "site") as srv:
        yield srv, results


def test_a_commendation_site_shows_no_score_of_an_office_not_commended(browser, commendation_site):
    from pipeline.outputs.pages.commendation import withheld_scores

    server, results = commendation_site
    withheld = set().union(*withheld_scores(results).values())
    assert withheld
    paths = ["index.html", "results/index.html", "submissions.html", "validation.html", "offices/index.html",
             *(f"results/{p}.html" for p in results.periods)]
    with browsing(browser, server) as pg:
        for path in paths:
            response = pg.goto(pg.base + path)
            assert response is not None and response.ok, path
            text = pg.locator("body").inner_text()
            shown = set(re.findall(r"(?<![\d.])\d+\.\d(?!\d)", text))
            assert not shown & withheld, f"{path} 显示了未受表彰的业务所的得分"
        pg.goto(pg.base + f"results/{results.periods[-1]}.html")
        assert pg.get_by_role("heading", name=re.compile("公司整体指标")).count() == 1
