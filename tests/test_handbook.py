"""The 制度手册: policy text in numbered articles, tables rendered from the policy config."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipeline.engine.policy import DEFAULT_POLICY_PATH, load_policy
from pipeline.outputs.pages import DOCS_DIR, render_handbook
from pipeline.outputs.pages.env import plain, point_value
from pipeline.outputs.pages.handbook import MARKER_RE, MarkerError, fill_markers

CHAPTERS = {
    "handbook/general.md": "# 第一章 总则",
    "handbook/duties.md": "# 第二章 业务所长职责",
    "handbook/workflow.md": "# 第三章 业务所长工作流程",
    "handbook/assessment.md": "# 第四章 业务所长考核与激励",
    "handbook/supplementary.md": "# 第五章 附则",
}
ARTICLES = ["目的", "适用范围", "基本原则", "团队管理", "业务拓展", "内部沟通与协调", "日常工作流程", "项目工作流程",
            "考核指标", "考核周期", "激励措施", "制度解释"]
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


@pytest.fixture(scope="module")
def policy():
    return load_policy()


@pytest.fixture(scope="module")
def handbook(policy):
    return render_handbook(policy)


def table(text: str, name: str) -> str:
    return text.split(f'data-policy="{name}"', 1)[1].split("</table>", 1)[0]


def policy_with(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_chapters_and_articles_are_numbered_continuously(handbook):
    headings = []
    for page, title in CHAPTERS.items():
        assert handbook[page].startswith(title + "\n")
        headings += re.findall(r"^## 第(\S+)条 (\S+) \{ #article-(\d+) \}$", handbook[page], re.M)
    assert [h[0] for h in headings] == NUMERALS
    assert [h[1] for h in headings] == ARTICLES
    assert [int(h[2]) for h in headings] == list(range(1, 13))


def test_policy_text_is_copied_faithfully(handbook):
    text = "\n".join(handbook.values())
    for sentence in (
        "为加强公司业务部门管理,明确业务所长职责与权限,规范业务工作流程,提高业务团队整体绩效,特制定本管理制度。",
        "    - 对于连续多年业绩出色、团队管理能力强的业务所长,可晋升到更高层级的管理岗位。",
        "5. 下班总结:下班前,组织团队成员召开简短的工作总结会,回顾当天工作完成情况,总结经验教训。",
        "本制度由公司人力资源部负责解释。在执行过程中,如有任何疑问或需要进一步明确的事(原文在此中断)",
    ):
        assert sentence in text
    assert "原文在此处中断,本手册按原文照录" in handbook["handbook/supplementary.md"]


def test_no_marker_is_left_unfilled(handbook):
    for page, text in handbook.items():
        assert not MARKER_RE.search(text), page
    raw = (DOCS_DIR / "handbook" / "assessment.md").read_text(encoding="utf-8")
    for name in ("kpis", "points", "weights", "grades", "bonus", "incentives", "informational", "plausibility"):
        assert f"<!-- policy:{name} -->" in raw


def test_meeting_minutes_come_from_the_config(handbook, tmp_path):
    assert "时间控制在15分钟左右" in handbook["handbook/workflow.md"]
    changed = load_policy(policy_with(tmp_path, lambda raw: raw.update(meeting_minutes=20)))
    assert "时间控制在20分钟左右" in render_handbook(changed)["handbook/workflow.md"]


def test_every_kpi_formula_point_and_weight_is_in_the_handbook(handbook, policy):
    text = handbook["handbook/assessment.md"]
    kpis, points, weights = table(text, "kpis"), table(text, "points"), table(text, "weights")
    for kpi in policy.kpis.values():
        assert f"<td>{policy.blocks[kpi.block]}</td><td><strong>{kpi.name}</strong></td><td>{kpi.formula}</td>" in kpis
        for cycle in ("quarterly", "annual"):
            shown = ";".join(f"{point_value(v, kpi.unit)} → {plain(s)} 分" for v, s in kpi.points[cycle])
            assert shown in points
        assert (f"<td>{kpi.name}</td><td>{plain(kpi.weight['quarterly'])}</td>"
                f"<td>{plain(kpi.weight['annual'])}</td></tr>") in weights
    assert "<strong>100</strong></td><td><strong>100</strong>" in weights
    for name in policy.informational.values():
        assert f"<strong>{name}</strong>" in text


@pytest.mark.parametrize(("kpi", "expected"), [
    ("attrition", "<td>团队成员流失率</td><td>3% → 100 分;15% → 0 分</td><td>10% → 100 分;40% → 0 分</td>"),
    ("growth", "<td>销售增长率</td><td>−40% → 0 分;0% → 80 分;10% → 100 分;20% → 120 分</td>"),
    ("satisfaction", "<td>客户满意度</td><td>60 分 → 0 分;90 分 → 100 分;100 分 → 110 分</td>"),
])
def test_points_read_as_people_write_them(handbook, kpi, expected):
    assert expected in table(handbook["handbook/assessment.md"], "points").replace("\n", "")


def test_grades_bonus_and_incentives_are_in_the_handbook(handbook, policy):
    text = handbook["handbook/assessment.md"]
    grades = table(text, "grades")
    assert '<td><span class="grade grade-1">优秀</span></td><td>不低于 90 分</td>' in grades
    assert '<td><span class="grade grade-2">良好</span></td><td>不低于 80 分且低于 90 分</td>' in grades
    assert '<td><span class="grade grade-4">不合格</span></td><td>低于 60 分</td>' in grades
    assert "min(考核得分, 120) ÷ 100;等级为不合格时系数为 0" in table(text, "bonus")
    incentives = table(text, "incentives")
    assert "年度考核等级为优秀,且业务指标板块得分不低于 100 分,且团队管理指标板块得分不低于 90 分" in incentives
    assert "年度排名前 10%(至少 1 名)" in incentives
    assert "连续 2 年年度考核等级为优秀" in incentives
    for rule in (policy.special_award, policy.excellent_head, policy.promotion, policy.development):
        assert f"<strong>{rule.name}</strong>" in incentives


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
