"""The 制度手册: the policy text quoted word for word, the company's rules (实施细则) beside it, marked.

The pages are checked as readers get them: rendered from the committed Markdown, the policy text
and the config, then turned into HTML with the site's Markdown extensions.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
import yaml
from _site_helpers import to_html

from pipeline.engine.policy import DEFAULT_POLICY_PATH, load_policy
from pipeline.engine.scoring import bonus_coefficient
from pipeline.outputs.pages import DOCS_DIR, render_handbook
from pipeline.outputs.pages.env import plain, point_value
from pipeline.outputs.pages.handbook import MARKER_RE, MarkerError, bonus_floor, fill_markers
from pipeline.outputs.pages.policy_text import POLICY_TEXT_PATH

CHAPTERS = {
    "handbook/general.md": "第一章",
    "handbook/duties.md": "第二章",
    "handbook/workflow.md": "第三章",
    "handbook/assessment.md": "第四章",
    "handbook/supplementary.md": "第五章",
}
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
QUOTE_RE = re.compile(r'<blockquote class="policy-text">(.*?)</blockquote>', re.S)
RULES_RE = re.compile(r'<section class="policy-rules">(.*?)</section>', re.S)
ARTICLE_RE = re.compile(r'<h2 id="article-(\d+)">第(\S+)条 (\S+)</h2>\s*<blockquote class="policy-text">(.*?)</blockquote>',
                        re.S)


def policy_text_parts() -> list[tuple[str, str, str]]:
    """(part, section title, body) of the policy text, read here independently of the renderer."""
    text = POLICY_TEXT_PATH.read_text(encoding="utf-8")
    out = []
    for part in re.split(r"^## ", text, flags=re.M)[1:]:
        part_title, _, rest = part.partition("\n")
        for section in re.split(r"^### ", rest, flags=re.M)[1:]:
            title, _, body = section.partition("\n")
            out.append((part_title.strip(), title.strip(), body))
    return out


SOURCE = policy_text_parts()
SOURCE_TEXT = POLICY_TEXT_PATH.read_text(encoding="utf-8")


def words(markup: str) -> str:
    """The text a reader sees, without tags and whitespace (list numbers are drawn by the browser)."""
    return re.sub(r"\s+", "", unescape(re.sub(r"<[^>]+>", "", markup)))


def source_words(body: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"^\s*(\d+\.|-)\s+", "", body, flags=re.M))


@pytest.fixture(scope="module")
def policy():
    return load_policy()


@pytest.fixture(scope="module")
def handbook(policy):
    return render_handbook(policy)


@pytest.fixture(scope="module")
def html(handbook):
    return {page: to_html(text) for page, text in handbook.items()}


def table(text: str, name: str) -> str:
    """A policy table's markup, with the spaces kept between cells (for the search index) taken out."""
    return re.sub(r">\s+<", "><", text.split(f'data-policy="{name}"', 1)[1].split("</table>", 1)[0])


def policy_with(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# 制度原文: quoted word for word, numbered only by the handbook (and said so)


def test_chapters_and_articles_follow_the_policy_text_in_order(handbook, html):
    parts = list(dict.fromkeys(part for part, _, _ in SOURCE))
    for (page, chapter), part in zip(CHAPTERS.items(), parts, strict=True):
        ordinal, _, title = part.partition("、")  # 一、总则 -> 第一章 总则
        assert chapter == f"第{ordinal}章"
        assert handbook[page].startswith(f"# {chapter} {title}\n")
    articles = [m.groups()[:3] for page in CHAPTERS for m in ARTICLE_RE.finditer(html[page])]
    assert articles == [(str(n), NUMERALS[n - 1], title) for n, (_, title, _) in enumerate(SOURCE, start=1)]


def test_policy_text_is_quoted_verbatim(html):
    quoted = {int(m.group(1)): m.group(4) for page in CHAPTERS for m in ARTICLE_RE.finditer(html[page])}
    assert sorted(quoted) == list(range(1, len(SOURCE) + 1))
    for n, (_, title, body) in enumerate(SOURCE, start=1):
        assert words(quoted[n]) == "制度原文" + source_words(body), title
    # and nothing else on the pages poses as a quotation of the policy
    assert sum(len(QUOTE_RE.findall(page)) for page in html.values()) == len(SOURCE)


def test_the_policys_lists_keep_their_nesting(html):
    quote = QUOTE_RE.findall(html["handbook/assessment.md"])[2]  # 第十一条 激励措施
    assert re.search(r"<li>荣誉激励<ul>\s*<li>对表现优秀的业务所长进行公开表彰", quote)


def test_numbering_is_said_to_be_added(html):
    index = unescape(html["handbook/index.md"])
    assert "说明：章与条的编号为本手册所加" in index
    assert "“第×章”“第×条”的字样和条款编号都不是制度原文的一部分" in index


def test_the_blank_is_shown_as_a_blank_and_the_setting_beside_it(html, tmp_path):
    page = html["handbook/workflow.md"]
    quote = QUOTE_RE.findall(page)[0]
    assert "时间控制在<mark class=\"policy-blank\">[X]</mark>分钟左右" in unescape(quote)
    rule = RULES_RE.findall(page)[0]
    assert '<h3 id="rules-meeting">实施细则：晨会时长</h3>' in rule
    assert "制度原文中的晨会时长是一个空白“[X]”" in rule
    assert "晨会时间控制在 <strong>15</strong> 分钟左右" in rule and "<code>meeting_minutes</code>" in rule
    changed = to_html(render_handbook(load_policy(policy_with(tmp_path, lambda raw: raw.update(meeting_minutes=20))))
                      ["handbook/workflow.md"])
    assert "<strong>20</strong> 分钟左右" in changed
    assert QUOTE_RE.findall(changed)[0] == quote  # the setting never enters the policy's words


def test_the_policy_text_stopping_mid_sentence_is_noted(html):
    page = unescape(html["handbook/supplementary.md"])
    assert words(QUOTE_RE.findall(page)[0]).endswith("如有任何疑问或需要进一步明确的事（原文在此中断）")
    assert "说明：原文在此中断" in page and "公司提供的制度原文在此处中断，本手册按原文照录，未作补写" in page


# ---------------------------------------------------------------------------------------------
# 实施细则: every block marked, and its quotations of the policy exact


def test_every_rules_block_is_headed_and_holds_every_rendered_rule(handbook, html):
    for page, text in html.items():
        for section in RULES_RE.findall(text):
            assert re.match(r'\s*<h3 id="rules-[a-z]+">实施细则：\S+</h3>', section), page
        outside = RULES_RE.sub("", text)
        assert "data-policy" not in outside, page  # every config-rendered rule stands in a 实施细则 block
        assert not re.search(r"<h\d[^>]*>实施细则", outside), page
    raw = (DOCS_DIR / "handbook" / "assessment.md").read_text(encoding="utf-8")
    for name in ("kpis", "points", "weights", "grades", "bonus", "incentives", "informational", "plausibility"):
        assert f"<!-- policy:{name} -->" in raw
    for page, text in handbook.items():
        assert not MARKER_RE.search(text), page


def test_words_quoted_from_the_policy_in_the_rules_are_exact(html, policy):
    quotes = [unescape(q) for page in html.values() for q in re.findall(r'<span class="policy-quote">“(.*?)”</span>', page)]
    assert len(quotes) >= 15
    for quote in quotes:
        assert quote in SOURCE_TEXT, quote
    for kpi in policy.kpis.values():  # the policy names every indicator the rules score
        assert kpi.policy_text and kpi.policy_text in quotes


@pytest.mark.parametrize(("kpi", "reading"), [
    ("attrition", ("离职人数占总人数的比例", "实施细则除以期初与期末人数的平均值")),
    ("attainment", ("年度销售额目标完成情况", "年度考核的销售目标取四个季度销售目标之和")),
    ("satisfaction", ("通过客户满意度调查", "采用 1–5 分的评分", "再 ÷ 5 × 100 换算为百分制")),
])
def test_interpretations_stand_beside_their_rule(handbook, kpi, reading, policy):
    rows = table(handbook["handbook/assessment.md"], "kpis").split("<tr>")
    row = next(r for r in rows if f"<strong>{policy.kpis[kpi].name}</strong>" in r)
    for phrase in reading:
        assert phrase in row


def test_every_kpi_formula_point_and_weight_is_in_the_handbook(handbook, policy):
    text = handbook["handbook/assessment.md"]
    kpis, points, weights = table(text, "kpis"), table(text, "points"), table(text, "weights")
    for kpi in policy.kpis.values():
        assert (f'<td><strong>{kpi.name}</strong><br><span class="muted">{policy.blocks[kpi.block]}</span></td>'
                f"<td>{kpi.formula}</td><td>{kpi.description}</td>") in kpis
        for cycle in ("quarterly", "annual"):
            shown = "；".join(f"{point_value(v, kpi.unit)} → {plain(s)} 分" for v, s in kpi.points[cycle])
            assert shown in points
        assert (f"<td>{kpi.name}</td><td>{plain(kpi.weight['quarterly'])}</td>"
                f"<td>{plain(kpi.weight['annual'])}</td></tr>") in weights
    assert "<strong>100</strong></td><td><strong>100</strong>" in weights
    for name in policy.informational.values():
        assert f"<strong>{name}</strong>" in text


@pytest.mark.parametrize(("kpi", "expected"), [
    ("attrition", "<td>团队成员流失率</td><td>3% → 100 分；15% → 0 分</td><td>10% → 100 分；40% → 0 分</td>"),
    ("growth", "<td>销售增长率</td><td>−40% → 0 分；0% → 80 分；10% → 100 分；20% → 120 分</td>"),
    ("satisfaction", "<td>客户满意度</td><td>60 分 → 0 分；90 分 → 100 分；100 分 → 110 分</td>"),
])
def test_points_read_as_people_write_them(handbook, kpi, expected):
    assert expected in table(handbook["handbook/assessment.md"], "points").replace("\n", "")


def test_grades_bonus_and_incentives_are_in_the_handbook(handbook, policy):
    text = handbook["handbook/assessment.md"]
    grades = table(text, "grades")
    assert '<td><span class="grade grade-1">优秀</span></td><td>不低于 90 分</td>' in grades
    assert '<td><span class="grade grade-2">良好</span></td><td>不低于 80 分且低于 90 分</td>' in grades
    assert '<td><span class="grade grade-4">不合格</span></td><td>低于 60 分</td>' in grades
    bonus = table(text, "bonus")
    assert "考核得分 ÷ 100，得分高于 120 分的按 120 分计（系数最高为 1.2）；等级为不合格（低于 60 分）时系数为 0。" in bonus
    incentives = table(text, "incentives")
    assert "年度考核等级为优秀，且业务指标板块得分不低于 100 分，且团队管理指标板块得分不低于 90 分" in incentives
    assert "连续 2 年年度考核等级为优秀" in incentives
    for rule in (policy.special_award, policy.excellent_head, policy.promotion, policy.development):
        assert f"<strong>{rule.name}</strong>" in incentives


def test_the_excellent_head_quota_is_written_out(handbook, policy):
    incentives = table(handbook["handbook/assessment.md"], "incentives")
    assert policy.excellent_head.description in incentives
    for phrase in ("名额为年度考核等级为优秀的业务所数的 10%，向下取整，至少 1 名",
                   "名额边界上得分相同的业务所一并授予", "所占比例也可能超过 10%"):
        assert phrase in incentives


def test_the_bonus_sentence_says_what_the_engine_does(handbook, policy):
    """The policy's “按一定比例” becomes ÷ 100 with a cap, and nothing at all for 不合格: a step at 60."""
    floor = bonus_floor(policy)
    assert floor == 60
    assert f"得分为 {plain(floor)} 分时系数为 {plain(floor / 100)}，低于 {plain(floor)} 分即为 0" in \
        table(handbook["handbook/assessment.md"], "bonus")
    just_below = floor - 0.01
    assert bonus_coefficient(just_below, policy.grade_for(just_below), policy) == 0
    assert bonus_coefficient(floor, policy.grade_for(floor), policy) == floor / 100
    assert bonus_coefficient(130, policy.grade_for(130), policy) == policy.bonus.cap / 100


@pytest.mark.parametrize(("zero_grades", "floor"), [
    ([], None), (["不合格"], 60), (["合格", "不合格"], 80), (["良好"], None),
])
def test_bonus_floor_is_a_single_step_at_the_bottom(tmp_path, zero_grades, floor):
    policy = load_policy(policy_with(tmp_path, lambda raw: raw["bonus"].update(zero_grades=zero_grades)))
    assert bonus_floor(policy) == floor
    assert ("低于" in table(render_handbook(policy)["handbook/assessment.md"], "bonus").split("与制度原文的对应")[1]) \
        == (floor is not None)


def test_a_changed_weight_shows_up_in_the_handbook(tmp_path):
    def edit(raw):
        raw["kpis"]["attainment"]["weight"]["quarterly"] = 31
        raw["kpis"]["growth"]["weight"]["quarterly"] = 19
        raw["grades"][0]["min"] = 92

    text = render_handbook(load_policy(policy_with(tmp_path, edit)))["handbook/assessment.md"]
    weights = table(text, "weights")
    assert "<td>业务指标</td><td>销售目标完成率</td><td>31</td><td>30</td>" in weights
    assert "<td>业务指标</td><td>销售增长率</td><td>19</td><td>10</td>" in weights
    assert "<td>35</td>" not in weights
    assert "不低于 92 分" in table(text, "grades")


def test_the_plausibility_bounds_are_the_configs(handbook, tmp_path):
    bounds = table(handbook["handbook/assessment.md"], "plausibility")
    assert "<td>5% 至 300%</td>" in bounds and "<td>不超过 100%</td>" in bounds
    assert "不超过 10 倍，也不低于 1/10" in bounds

    def edit(raw):
        raw["plausibility"].update(attainment_max=2.5, change_factor=8)

    changed = table(render_handbook(load_policy(policy_with(tmp_path, edit)))["handbook/assessment.md"], "plausibility")
    assert "<td>5% 至 250%</td>" in changed and "不超过 8 倍，也不低于 1/8" in changed


def test_an_unknown_marker_fails_loudly():
    with pytest.raises(MarkerError, match="policy:nonsense"):
        fill_markers("前文 <!-- policy:nonsense --> 后文", {}, "handbook/x.md")
    with pytest.raises(MarkerError, match="source:article_99"):
        fill_markers("<!-- source:article_99 -->", {}, "handbook/x.md")
