"""The policy config: the shipped file loads as SPEC §6 says; bad configs give a Chinese PolicyError."""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

import pytest
import yaml
from _validation_helpers import FORM_IDS, GOOD_ROWS, run_cli
from conftest import default_cover, write_form
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.engine.policy import DEFAULT_POLICY_PATH, KPI_KEYS, PolicyError, load_policy, parse_policy
from pipeline.forms import REFERENCE, get_form

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
         "季度考核的权重之和应为 100，实际为 95（销售目标完成率 30 + 销售增长率 15 + 市场占有率 10 + 团队成员流失率 15 + "
         "团队绩效达标率 15 + 培训计划完成率 10 + 客户满意度 0）"),
        ("kpis.satisfaction.weight.annual", 25, "年度考核的权重之和应为 100，实际为 105"),
        ("kpis.growth.points.quarterly", [[0, 80], [-0.4, 0]], "kpis.growth.points.quarterly 的指标值应从小到大排列，0 之后是 -0.4"),
        ("kpis.attainment.points.annual", [[1.0, 100], [1.0, 120]], "指标值应从小到大排列，1 之后是 1"),
        ("kpis.attainment.points.annual", [[1.0, 100]], "kpis.attainment.points.annual 应为 2 到 50 个评分点的列表"),
        ("kpis.attainment.points.annual", [[0, 0], ["一", 100]], "第 2 个评分点应为 [指标值, 得分]"),
        ("kpis.profit", {"name": "利润"}, "kpis 中有未知指标 profit"),
        ("kpis.growth", _DELETE, "kpis 缺少指标 growth"),
        ("kpis.growth.block", "finance", "kpis.growth.block 的板块“finance”不在 blocks 中"),
        ("kpis.growth.weight.annual", -5, "kpis.growth.weight.annual 应为 0 到 100 之间的数字，实际为 -5"),
        ("incentives.special_award.grade", "卓越", "激励“年终特别奖励”要求的等级“卓越”不在 grades 中"),
        ("incentives.special_award.min_block_scores", {"sales": 100}, "min_block_scores 中的板块“sales”不在 blocks 中"),
        ("bonus.zero_grades", ["差"], "bonus.zero_grades 中的等级“差”不在 grades 中"),
        ("grades.3.min", 10, "grades 的最后一个等级应不设下限"),
        ("grades.1.min", 95, "grades 应按 min 从高到低排列"),
        ("incentives.excellent_head.top_share", 1.5, "top_share 应在 0 到 1 之间（大于 0），实际为 1.5"),
        ("incentives.promotion.consecutive_years", 0, "incentives.promotion.consecutive_years 应为 1 到 100 之间的整数，实际为 0"),
        ("meeting_minutes", 12.5, "meeting_minutes（晨会分钟数）应为 1 到 1440 之间的整数，实际为 12.5"),
        ("bonus", _DELETE, "缺少 bonus"),
    ],
)
def test_bad_config_gives_a_chinese_error(path, value, message):
    with pytest.raises(PolicyError) as caught:
        parse_policy(_set(path, value), source="policy.yaml")
    text = str(caught.value)
    assert text.startswith("policy.yaml：")
    assert message in text


@pytest.mark.parametrize(("text", "said"), [
    ("kpis: [unclosed\n", "kpis 附近有语法错误（第 2 行第 1 列）：缺少逗号或右括号“]”"),
    ("a: 1\n\tb: 2\n", "a 附近有语法错误（第 2 行第 1 列）：含有制表符（缩进只能用空格）"),
    ("a: b: c\n", "有语法错误（第 1 行第 5 列）：这里不能出现冒号（值中含冒号时须加引号，或缩进不对）"),
    ("a:\n  b: 1\n c: 2\n", "有语法错误（第 3 行第 2 列）：缩进不一致，或某个键后缺少冒号"),
    ('"abc\n', "有语法错误（第 2 行第 1 列）：文件意外结束（可能缺少右引号或右括号）"),
    ("a: 1\n---\nb: 2\n", "第 2 行第 1 列无法识别：含有多个文档（“---”分隔）"),
])
def test_yaml_syntax_errors_are_said_in_chinese(tmp_path: Path, text, said):
    """Regression: `whatif --policy broken.yaml` ended in PyYAML's `did not find expected node content`."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(bad)
    assert str(caught.value) == f"bad.yaml：不是有效的 YAML：{said}"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(":-[]{}\"'#&*!|>%@`,?\t\n 0123456789")), max_size=40))
def test_no_yaml_syntax_error_is_said_in_english(tmp_path_factory, text):
    bad = tmp_path_factory.mktemp("yaml") / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    try:
        load_policy(bad)
    except PolicyError as error:
        if "不是有效的 YAML" not in str(error):
            return  # a YAML file that is no policy: its message names the policy's keys
        # the text holds no letters, so any English word in the message is PyYAML's
        assert not re.search(r"[A-Za-z]{3,}", str(error).replace("bad.yaml", "").replace("YAML", "")), str(error)


def test_unreadable_and_invalid_yaml(tmp_path: Path):
    with pytest.raises(PolicyError, match="无法读取政策配置文件"):
        load_policy(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("kpis: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=re.escape("bad.yaml：不是有效的 YAML：kpis 附近有语法错误（第 2 行第 1 列）")):
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
        with pytest.raises(PolicyError, match=re.escape(f"季度考核的权重之和应为 100，实际为 {sum(weights)}（")):
            parse_policy(raw)


# ---------------------------------------------------------------------------------------------
# Hardening #9: hostile policy files, given to the real command line

SHIPPED = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
BOMB = "bomb:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  {b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


def _edited(old: str, new: str, *, count: int = 1) -> str:
    assert old in SHIPPED
    return SHIPPED.replace(old, new, count)


HOSTILE = {
    # (the file's text, or None for /dev/zero; what the message must say)
    "zero-grades-nested-list": (_edited("zero_grades: [不合格]", "zero_grades: [[不合格]]"),
                                "bonus.zero_grades 第 1 项应为等级名称，实际为 ['不合格']"),
    "alias-bomb": (SHIPPED.replace("informational:", "unused:") + BOMB + "informational: *i\n",
                   "bomb.a 使用了 YAML 锚点或别名"),
    "5000-digit-integer": (_edited("meeting_minutes: 15", "meeting_minutes: " + "1" * 5000),
                           "meeting_minutes（晨会分钟数）应为 1 到 1440 之间的整数，实际为 111111111111…（共 5000 个字符）"),
    "5000-nested-brackets": (_edited("meeting_minutes: 15", "meeting_minutes: " + "[" * 5000),
                             "meeting_minutes 嵌套超过 16 层"),
    "5000-nested-closed": (_edited("cap: 120", "cap: " + "[" * 5000 + "]" * 5000), "bonus.cap 嵌套超过 16 层"),
    "dev-zero": (None, "zero：文件超过 256 KiB，不是政策配置文件"),
    "negative-points-no-zero-grades": (
        _edited("zero_grades: [不合格]", "zero_grades: []").replace(
            "quarterly: [[0, 0], [1.0, 100], [1.2, 120]]", "quarterly: [[0, -200], [1.0, 100], [1.2, 120]]", 1),
        "kpis.attainment.points.quarterly 第 1 个评分点的得分应在 0 到 1000 之间，实际为 -200"),
    "negative-cap": (_edited("cap: 120", "cap: -10"), "bonus.cap 应为 0 到 1000 之间的数字，实际为 -10"),
    "nan-cap": (_edited("cap: 120", "cap: .nan"), "bonus.cap 应为 0 到 1000 之间的数字，实际为 nan"),
    "infinite-weight": (_edited("weight: {quarterly: 35, annual: 30}", "weight: {quarterly: .inf, annual: 30}"),
                        "kpis.attainment.weight.quarterly 应为 0 到 100 之间的数字，实际为 inf"),
    "python-tag": (SHIPPED + "x: !!python/object/apply:os.system [echo]\n", "不是有效的 YAML：第 "),
    "huge-file": (SHIPPED + "#" * 300_000 + "\n", "文件超过 256 KiB"),
    "many-values": (SHIPPED + "x: [" + ", ".join(["1"] * 30_000) + "]\n", "含有的值过多"),
    "misspelt-key": (_edited("bonus:", "bonnus:"), "有未知的配置项 bonnus"),
    "not-utf8": ("\udcff", "不是 UTF-8 编码的文本文件"),
}


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    """HR's reference and one office's four forms: what a run would score if the policy were accepted."""
    data = tmp_path_factory.mktemp("policy-run") / "data"
    write_form(REFERENCE, data / "reference.xlsx", rows={"offices": [
        {"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长甲", "bonus_base": 20000}],
        "targets": [{"year": 2026, "quarter": "Q1", "office_id": "BJ01", "sales_target": 500}]})
    for form_id in FORM_IDS:
        rel = f"submissions/2026Q1/BJ01/{form_id}.xlsx"
        write_form(get_form(form_id), data / rel, cover=default_cover(rel), rows=GOOD_ROWS[form_id])
    return data


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_policy_is_a_chinese_usage_error_within_seconds(case, small_data, tmp_path):
    """Hardening #9, as reported: each of these crashed, ran out of memory or paid a negative bonus."""
    text, message = HOSTILE[case]
    if text is None:
        policy = Path("/dev/zero")
    else:
        policy = tmp_path / "policy.yaml"
        policy.write_bytes(text.encode("utf-8", "surrogateescape"))
    started = time.monotonic()
    done = run_cli("run", str(small_data), "--out", str(tmp_path / "out"), "--policy", str(policy), "--no-cache")
    elapsed = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    assert done.stderr.startswith("错误：政策配置有误：") and message in done.stderr
    assert len(done.stderr) < 400  # a value is quoted by a short prefix, never whole
    assert not (tmp_path / "out").exists()
    assert elapsed < 10, f"{elapsed:.1f} s"  # each took from a traceback to 50 s and 3.6 GB before


def test_the_shipped_policy_still_runs_from_the_command_line(small_data, tmp_path):
    done = run_cli("run", str(small_data), "--out", str(tmp_path / "out"), "--no-cache")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "scorecards.csv").is_file()


def test_a_policy_that_is_not_a_file_is_refused(tmp_path):
    with pytest.raises(PolicyError, match="无法读取政策配置文件 .*：是文件夹，不是文件"):
        load_policy(tmp_path)


@pytest.mark.parametrize(("path", "value", "message"), [
    ("bonus.zero_grades", "不合格", "bonus.zero_grades 应为等级名称的列表，实际为 “不合格”"),
    ("bonus.zero_grades", None, None),  # null: no grade pays nothing
    ("grades.0.name", ["优"], "grades 第 1 项的 name 应为非空文本（不超过 50 个字），实际为 ['优']"),
    ("grades.1.name", "优秀", "grades 中的等级名称应互不相同"),
    ("grades.2.min", -5, "grades 中“合格”的 min 应为 0 到 1000 之间的数字，实际为 -5"),
    ("blocks.team", {"x": 1}, "blocks.team 应为非空文本（不超过 50 个字），实际为 {'x': 1}"),
    ("kpis.growth.name", "x" * 5000, "kpis.growth.name 应为非空文本（不超过 50 个字），实际为 “xxxxxxxxxxxxxxx"),
    ("kpis.growth.unit", "元", "kpis.growth.unit 应为 percent 或 score，实际为 “元”"),
    ("kpis.growth.colour", "red", "kpis.growth 中有未知的配置项 colour"),
    ("incentives.excellent_head.min_count", 1.5, "incentives.excellent_head.min_count 应为 0 到 10000 之间的整数"),
    ("incentives.special_award.min_block_scores", {"business": -1}, "min_block_scores.business 应为 0 到 1000 之间的数字"),
    ("meeting_minutes", True, "meeting_minutes（晨会分钟数）应为 1 到 1440 之间的整数，实际为 True"),
    ("version", [1, 2], "version 应为不超过 50 个字的文本或数字"),
    ("informational.new_clients", 3, "informational.new_clients 应为非空文本"),
])
def test_every_value_is_checked_for_type_and_range(path, value, message):
    if message is None:
        assert parse_policy(_set(path, value)).bonus.zero_grades == ()
        return
    with pytest.raises(PolicyError) as caught:
        parse_policy(_set(path, value))
    assert message in str(caught.value)
    assert len(str(caught.value)) < 300


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([("bonus", "cap"), ("kpis", "attainment", "points", "quarterly", 0, 1),
                        ("grades", 0, "min"), ("incentives", "excellent_head", "top_share")]),
       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30), st.text(max_size=5),
                 st.none(), st.booleans(), st.lists(st.integers(), max_size=3)))
def test_any_value_anywhere_loads_or_gives_a_policy_error(where, value):
    """No value makes parse_policy raise anything but PolicyError, nor accept a negative cap or score."""
    raw = copy.deepcopy(RAW)
    node = raw
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    try:
        p = parse_policy(raw)
    except PolicyError:
        return
    assert p.bonus.cap >= 0
    assert all(score >= 0 for k in p.kpis.values() for pts in k.points.values() for _, score in pts)
