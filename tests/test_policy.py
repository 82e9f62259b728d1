"""The policy config: the shipped file loads as SPEC §6 says; bad configs give a Chinese PolicyError."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.engine.policy import DEFAULT_POLICY_PATH, KPI_KEYS, PolicyError, load_policy, parse_policy

RAW = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))


def test_shipped_policy_matches_the_spec_defaults():
    p = load_policy()
    assert {k: (v.weight["quarterly"], v.weight["annual"]) for k, v in p.kpis.items()} == {
        "attainment": (35, 30), "growth": (15, 10), "market_share": (10, 10), "attrition": (15, 10),
        "pass_rate": (15, 10), "training_rate": (10, 10), "satisfaction": (0, 20)}
    assert p.kpis["growth"].points["quarterly"] == ((-0.4, 0), (0, 80), (0.1, 100), (0.2, 120))
    assert p.kpis["attrition"].points["annual"] == ((0.10, 100), (0.40, 0))
    assert [(g.name, g.min) for g in p.grades] == [("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", None)]
    assert (p.bonus.cap, p.bonus.zero_grades) == (120, ("不合格",))
    assert p.special_award.min_block_scores == {"business": 100, "team": 90}
    assert (p.excellent_head.top_share, p.excellent_head.min_count) == (0.10, 1)
    assert p.promotion.consecutive_years == 2
    assert p.meeting_minutes == 15
    assert len(p.digest) == 64


def _set(path: str, value):
    raw = copy.deepcopy(RAW)
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return raw


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("kpis.attainment.weight.quarterly", 30,
         "季度考核的权重之和应为 100,实际为 95(销售目标完成率 30 + 销售增长率 15 + 市场占有率 10 + 团队成员流失率 15 + "
         "团队绩效达标率 15 + 培训计划完成率 10 + 客户满意度 0)"),
        ("kpis.satisfaction.weight.annual", 25, "年度考核的权重之和应为 100,实际为 105"),
        ("kpis.growth.points.quarterly", [[0, 80], [-0.4, 0]], "kpis.growth.points.quarterly 的指标值应从小到大排列,0 之后是 -0.4"),
        ("kpis.attainment.points.annual", [[1.0, 100], [1.0, 120]], "指标值应从小到大排列,1 之后是 1"),
        ("kpis.attainment.points.annual", [[1.0, 100]], "kpis.attainment.points.annual 应至少有两个评分点"),
        ("kpis.attainment.points.annual", [[0, 0], ["一", 100]], "第 2 个评分点应为 [指标值, 得分]"),
        ("kpis.profit", {"name": "利润"}, "kpis 中有未知指标 profit"),
        ("kpis.growth", _DELETE, "kpis 缺少指标 growth"),
        ("kpis.growth.block", "finance", "kpis.growth.block 的板块“finance”不在 blocks 中"),
        ("kpis.growth.weight.annual", -5, "kpis.growth.weight.annual 应为不小于 0 的数字"),
        ("incentives.special_award.grade", "卓越", "激励“年终特别奖励”要求的等级“卓越”不在 grades 中"),
        ("incentives.special_award.min_block_scores", {"sales": 100}, "min_block_scores 中的板块“sales”不在 blocks 中"),
        ("bonus.zero_grades", ["差"], "bonus.zero_grades 中的等级“差”不在 grades 中"),
        ("grades.3.min", 10, "grades 的最后一个等级应不设下限"),
        ("grades.1.min", 95, "grades 应按 min 从高到低排列"),
        ("incentives.excellent_head.top_share", 1.5, "top_share 应在 0 到 1 之间"),
        ("incentives.promotion.consecutive_years", 0, "consecutive_years 应不小于 1"),
        ("meeting_minutes", 12.5, "meeting_minutes(晨会分钟数)应为正整数"),
        ("bonus", _DELETE, "缺少 bonus"),
    ],
)
def test_bad_config_gives_a_chinese_error(path, value, message):
    with pytest.raises(PolicyError) as caught:
        parse_policy(_set(path, value), source="policy.yaml")
    text = str(caught.value)
    assert text.startswith("policy.yaml:")
    assert message in text


def test_unreadable_and_invalid_yaml(tmp_path: Path):
    with pytest.raises(PolicyError, match="无法读取政策配置文件"):
        load_policy(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("kpis: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="bad.yaml 不是有效的 YAML"):
        load_policy(bad)
    top = tmp_path / "list.yaml"
    top.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="顶层应为键值对"):
        load_policy(top)


def test_a_copied_config_with_changed_weights_loads(tmp_path: Path):
    raw = _set("kpis.attainment.weight.quarterly", 25)
    raw["kpis"]["market_share"]["weight"]["quarterly"] = 20
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    p = load_policy(path)
    assert (p.kpis["attainment"].weight["quarterly"], p.kpis["market_share"].weight["quarterly"]) == (25, 20)
    assert p.digest != load_policy().digest


def test_excellent_head_rule_text_follows_the_numbers():
    assert load_policy().excellent_head.description == (
        "名额为年度考核等级为优秀的业务所数的 10%，向下取整，至少 1 名；在等级为优秀的业务所中按年度得分从高到低授予，"
        "名额边界上得分相同的业务所一并授予，因此获得者可能多于名额，所占比例也可能超过 10%。")
    raw = _set("incentives.excellent_head.top_share", 0.25)
    raw["incentives"]["excellent_head"]["min_count"] = 2
    assert ("业务所数的 25%，向下取整，至少 2 名（等级为优秀的业务所少于 2 个时全部授予）"
            in parse_policy(raw).excellent_head.description)


def test_a_kpis_policy_words_and_their_reading_are_optional_text():
    p = load_policy()
    assert p.kpis["attrition"].policy_text == "统计团队成员在一定时期内的离职人数占总人数的比例"
    assert "期初与期末人数的平均值" in p.kpis["attrition"].interpretation
    raw = copy.deepcopy(RAW)
    del raw["kpis"]["growth"]["policy_text"], raw["kpis"]["growth"]["interpretation"]
    assert (parse_policy(raw).kpis["growth"].policy_text, parse_policy(raw).kpis["growth"].interpretation) == ("", "")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=len(KPI_KEYS), max_size=len(KPI_KEYS)))
def test_quarterly_weights_load_exactly_when_they_sum_to_100(weights):
    raw = copy.deepcopy(RAW)
    for key, w in zip(KPI_KEYS, weights):
        raw["kpis"][key]["weight"]["quarterly"] = w
    if sum(weights) == 100:
        p = parse_policy(raw)
        assert [p.kpis[k].weight["quarterly"] for k in KPI_KEYS] == weights
    else:
        with pytest.raises(PolicyError, match=re.escape(f"季度考核的权重之和应为 100,实际为 {sum(weights)}(")):
            parse_policy(raw)
