"""SVG charts: valid XML, accessible (a description of the figures, the data as a table), Chinese labels,
scalable, and nothing fetched from outside."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from _site_helpers import to_html
from defusedxml.ElementTree import fromstring
from markupsafe import Markup

from pipeline.outputs.pages import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return fromstring(svg)


def texts(root: ElementTree.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


CHARTS = {
    "distribution": lambda: charts.distribution_chart([("优秀", 3), ("良好", 4), ("合格", 0), ("不合格", 2)],
                                                      "等级分布", classes=["grade-1", "grade-2", "grade-3", "grade-4"],
                                                      headers=("等级", "业务所数")).svg,
    "line": lambda: charts.line_chart(["2026Q1", "2026Q2", "2026Q3"],
                                      [("销售目标完成率", [95.3, None, 101.0]), ("团队成员流失率", [80.0, 70.0, 60.0])],
                                      "指标得分趋势", y_max=120).svg,
}


@pytest.mark.parametrize("kind", CHARTS)
def test_chart_is_valid_accessible_scalable_svg(kind):
    svg = CHARTS[kind]()
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "Noto Sans CJK SC" in root.get("font-family") and root.get("font-family").endswith("sans-serif")


@pytest.mark.parametrize("kind", CHARTS)
def test_chart_makes_no_external_reference(kind):
    svg = CHARTS[kind]()
    without_namespace = svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for forbidden in ("http:", "https:", "//", "href", "url(", "<script", "<image", "<foreignObject", "@import"):
        assert forbidden not in without_namespace


def test_distribution_chart_heights_follow_counts():
    root = parse(CHARTS["distribution"]())
    assert [t for t in texts(root) if not t.isdigit()] == ["优秀", "良好", "合格", "不合格"]
    rects = list(root.iter(f"{SVG}rect"))
    heights = [float(r.get("height")) for r in rects]
    assert heights[1] == max(heights) and heights[2] == 0.0
    assert heights[0] / heights[1] == pytest.approx(3 / 4, abs=0.01)
    assert [r.get("class") for r in rects] == ["bar grade-1", "bar grade-2", "bar grade-3", "bar grade-4"]


def test_line_chart_leaves_gaps_for_na_and_has_a_legend():
    root = parse(CHARTS["line"]())
    lines = [p.get("points") for p in root.iter(f"{SVG}polyline")]
    assert len(lines) == 3  # first series split by its gap into two pieces, second whole
    assert len(lines[0].split()) == 1 and len(lines[1].split()) == 1 and len(lines[2].split()) == 3
    labels = texts(root)
    assert "销售目标完成率" in labels and "团队成员流失率" in labels and "2026Q2" in labels
    dots = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}path") if c.find(f"{SVG}title") is not None]
    assert "销售目标完成率 2026Q1:95.3" in dots and len(dots) == 5


@pytest.mark.parametrize("draw", [
    lambda label, title: charts.distribution_chart([(label, 1)], title),
    lambda label, title: charts.line_chart(["2026Q1"], [(label, [1.0]), ("乙", [2.0])], title),
], ids=["distribution", "line"])
def test_hostile_labels_are_escaped_and_ids_are_distinct(draw):
    chart = draw("<script>alert(1)</script>", "</title><script>x</script>")
    root = parse(chart.svg)
    assert root.find(f"{SVG}script") is None
    assert root.find(f"{SVG}title").text == "</title><script>x</script>"
    assert any(t.startswith("<script>") for t in texts(root))  # shown as text
    table = to_html(f"<figure>{chart.table}</figure>")
    assert "<script" not in table and "&#60;script&#62;alert&#40;1&#41;&#60;/script&#62;" in table
    other = draw("甲", "另一个图").svg
    assert parse(other).find(f"{SVG}title").get("id") != root.find(f"{SVG}title").get("id")


def test_many_periods_keep_x_labels_legible():
    periods = [f"{y}Q{q}" for y in range(2020, 2027) for q in range(1, 5)]
    root = parse(charts.line_chart(periods, [("得分", [80.0] * len(periods))], "得分").svg)
    shown = [t for t in texts(root) if re.fullmatch(r"\d{4}Q\d", t)]
    assert 2 <= len(shown) <= 10 and shown[-1] == "2026Q4"


def test_descriptions_give_the_figures_that_matter():
    dist = parse(CHARTS["distribution"]()).find(f"{SVG}desc").text
    assert dist == "优秀 3 个，良好 4 个，合格 0 个，不合格 2 个（共 9 个）"
    line = parse(CHARTS["line"]()).find(f"{SVG}desc").text
    assert line == ("销售目标完成率：首期 2026Q1 为 95.3，末期 2026Q3 为 101，最高 2026Q3 为 101，最低 2026Q1 为 95.3，"
                    "1 期不适用；团队成员流失率：首期 2026Q1 为 80，末期 2026Q3 为 60，最高 2026Q1 为 80，"
                    "最低 2026Q3 为 60")
    empty = charts.line_chart(["2026Q1"], [("得分", [None])], "得分")
    assert parse(empty.svg).find(f"{SVG}desc").text == "得分：无数据"


def cells(table: ElementTree.Element) -> list[list[str]]:
    return [[c.text or "" for c in row] for row in table.iter("tr")]


def test_the_data_behind_each_chart_is_a_table_for_screen_readers():
    dist = charts.distribution_chart([("优秀", 3), ("良好", 0)], "2026 年第一季度考核等级分布", headers=("等级", "业务所数"))
    box = fromstring(dist.table)
    assert box.tag == "div" and box.get("class") == "visually-hidden"
    table = box.find("table")
    assert table.find("caption").text == "2026 年第一季度考核等级分布（图表数据）"
    assert [th.get("scope") for th in table.iter("th")] == ["col", "col", "row", "row"]
    assert cells(table) == [["等级", "业务所数"], ["优秀", "3"], ["良好", "0"]]

    line = charts.line_chart(["2026Q1", "2026Q2"], [("甲", [95.25, None]), ("乙", [1234.5, 60.0])], "趋势", unit="%")
    assert cells(fromstring(line.table).find("table")) == [["期间", "甲", "乙"], ["2026Q1", "95.2%", "1,234.5%"], ["2026Q2", "不适用", "60%"]]


def test_a_chart_in_a_template_gives_its_svg_then_its_table():
    chart = charts.line_chart(["2026Q1"], [("得分", [80.0])], "得分趋势")
    assert Markup(chart) == chart.svg + chart.table
    assert "\n" not in chart.table  # stays inside the figure's raw HTML block


def test_scores_close_together_get_an_axis_that_shows_their_movement():
    lo, hi = charts.axis_range([107.4, 108.2, 110.0, 109.1])
    assert 100 <= lo < 107.4 and 110 <= hi <= 120 and hi - lo <= 20
    assert charts.axis_range([0.0, 55.0, 100.0]) == (0.0, 100.0)
    assert charts.axis_range([2.0, 3.0])[0] == 0.0  # never below zero
    root = parse(charts.line_chart(["2026Q1", "2026Q2"], [("得分", [107.0, 110.0])], "得分", auto_range=True).svg)
    ticks = [float(t) for t in texts(root) if re.fullmatch(r"[\d.]+", t)]
    assert min(ticks) >= 100 and max(ticks) <= 120


def test_lines_that_coincide_stay_distinguishable():
    root = parse(charts.line_chart(["2026Q1", "2026Q2"], [("团队绩效达标率", [100.0, 100.0]),
                                                         ("培训计划完成率", [100.0, 100.0])], "趋势", y_max=120).svg)
    first, second = [p for p in root.iter(f"{SVG}polyline")]
    assert first.get("points") == second.get("points")  # the same place …
    assert float(first.get("stroke-width")) > float(second.get("stroke-width"))  # … the first shows around the second
    assert first.get("stroke-dasharray") != second.get("stroke-dasharray")
    marks = {p.get("class"): p.get("d") for p in root.iter(f"{SVG}path")}
    assert marks["dot c1"] != marks["dot c2"]
    legend = [t for t in root.iter(f"{SVG}text") if "legend" in (t.get("class") or "")]
    assert [t.text for t in legend] == ["团队绩效达标率", "培训计划完成率"]


@pytest.mark.parametrize("n", range(1, 41))
def test_x_labels_are_evenly_spaced_with_room_for_each_on_a_phone_too(n):
    """Eight quarters on a phone showed 2026Q3 and 2026Q4 side by side, overlapping: the last label
    was always kept and the one before it was not “minor”. The labels a phone shows (the minor ones
    hidden) have at least a quarter of the width each, the desktop's an eighth; the latest is among them."""
    plan = charts.x_label_plan(n)
    desktop = [i for i, _ in plan]
    phone = [i for i, minor in plan if not minor]
    assert desktop[-1] == phone[-1] == n - 1 and len(desktop) <= charts.MAX_X_LABELS
    for labels, share in ((desktop, charts.MAX_X_LABELS), (phone, charts.PHONE_X_LABELS)):
        gaps = {b - a for a, b in zip(labels, labels[1:], strict=False)}
        assert len(gaps) <= 1, labels  # evenly spaced
        assert all(gap * share >= n for gap in gaps), labels


def test_a_line_chart_draws_the_planned_x_labels():
    quarters = [f"{y}Q{q}" for y in (2025, 2026) for q in range(1, 5)]
    root = parse(charts.line_chart(quarters, [("得分", [80.0] * 8)], "季度考核得分趋势").svg)
    ticks = [t for t in root.iter(f"{SVG}text") if re.fullmatch(r"\d{4}Q\d", t.text or "")]
    drawn = [(t.text, "minor" in t.get("class").split()) for t in ticks]
    assert drawn == [(quarters[i], minor) for i, minor in charts.x_label_plan(8)]
    assert [text for text, minor in drawn if not minor] == ["2025Q2", "2025Q4", "2026Q2", "2026Q4"]
