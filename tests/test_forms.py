"""The form specs say exactly what SPEC §2 says: sheets, labels, enums, PII and salary flags."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.forms import ALL_FORMS, COVER, FORMS, OFFICE_FORMS, Form, get_form

# Copied from SPEC §2, sheet by sheet, in column order.
SPEC_LABELS = {
    ("recruitment", "招聘计划"): ["岗位", "计划人数", "已录用人数", "招聘渠道", "任职要求", "状态"],
    ("recruitment", "团队名册"): ["工号", "姓名", "岗位", "入职日期", "离职日期", "离职原因", "本期绩效结果"],
    ("training", "培训计划"): ["培训编号", "培训名称", "培训方式", "计划日期", "计划参训人数", "实际日期",
                              "实际参训人数", "课时", "状态"],
    ("clients", "客户"): ["客户编号", "客户名称", "客户类型", "行业", "联系人", "联系电话", "本期销售额", "回访次数",
                        "满意度评分", "投诉次数", "已解决投诉次数"],
    ("projects", "项目"): ["项目编号", "项目名称", "客户编号", "阶段", "开始日期", "计划完成日期", "实际完成日期", "预算",
                         "实际成本", "验收结果", "风险数"],
    ("reference", "业务所"): ["所编号", "业务所名称", "所长", "区域", "季度奖金基数"],
    ("reference", "季度目标"): ["年度", "季度", "所编号", "销售目标", "上年同期销售额", "市场规模"],
}

SPEC_CHOICES = {
    ("recruitment", "招聘计划", "招聘渠道"): ["校园招聘", "社会招聘", "内部推荐", "猎头", "其他"],
    ("recruitment", "招聘计划", "状态"): ["进行中", "已完成", "已取消"],
    ("recruitment", "团队名册", "本期绩效结果"): ["优秀", "良好", "合格", "待改进", "不合格", "未考核"],
    ("training", "培训计划", "培训方式"): ["内部课程", "外部专家讲座", "在线学习", "岗位带教"],
    ("training", "培训计划", "状态"): ["已完成", "进行中", "未开始", "已取消"],
    ("clients", "客户", "客户类型"): ["新客户", "老客户"],
    ("projects", "项目", "阶段"): ["启动", "执行", "验收", "总结", "已关闭"],
    ("projects", "项目", "验收结果"): ["通过", "未通过", "未验收"],
    ("reference", "季度目标", "季度"): ["Q1", "Q2", "Q3", "Q4"],
}

# SPEC §2 marks these PII; 填报人 on the cover is a person's name too.
SPEC_PII = {("recruitment", "团队名册", "姓名"), ("recruitment", "团队名册", "离职原因"),
            ("clients", "客户", "联系人"), ("clients", "客户", "联系电话")}
SPEC_SALARY = {("reference", "业务所", "季度奖金基数")}


def _all_fields():
    for form in ALL_FORMS:
        for sheet in form.sheets:
            for field in sheet.fields:
                yield form, sheet, field


def test_forms_and_ids():
    assert [f.id for f in ALL_FORMS] == ["recruitment", "training", "clients", "projects", "reference"]
    assert [f.id for f in OFFICE_FORMS] == ["recruitment", "training", "clients", "projects"]
    assert set(FORMS) == {f.id for f in ALL_FORMS}
    assert get_form("clients").filename == "clients.xlsx"
    with pytest.raises(KeyError):
        get_form("nope")


@pytest.mark.parametrize(("form_id", "sheet_name"), list(SPEC_LABELS))
def test_labels_exactly_as_spec(form_id, sheet_name):
    assert list(get_form(form_id).sheet(sheet_name).labels) == SPEC_LABELS[(form_id, sheet_name)]


def test_every_sheet_is_in_the_spec():
    assert {(f.id, s.name) for f in ALL_FORMS for s in f.sheets} == set(SPEC_LABELS)


def test_cover_fields_and_which_forms_have_one():
    assert [f.label for f in COVER] == ["所编号", "期间", "填报人", "填报日期"]
    assert all(f.has_cover for f in OFFICE_FORMS)
    assert not get_form("reference").has_cover


@pytest.mark.parametrize(("where", "choices"), list(SPEC_CHOICES.items()))
def test_enums(where, choices):
    form_id, sheet_name, label = where
    sheet = get_form(form_id).sheet(sheet_name)
    field = next(f for f in sheet.fields if f.label == label)
    assert field.type.kind == "choice"
    assert list(field.type.choices) == choices


def test_every_choice_column_is_in_the_spec():
    found = {(fm.id, s.name, f.label) for fm, s, f in _all_fields() if f.type.kind == "choice"}
    assert found == set(SPEC_CHOICES)


def test_pii_and_salary_flags():
    assert {(fm.id, s.name, f.label) for fm, s, f in _all_fields() if f.pii} == SPEC_PII
    assert {(fm.id, s.name, f.label) for fm, s, f in _all_fields() if f.salary} == SPEC_SALARY
    assert [f.label for f in COVER if f.pii] == ["填报人"]
    # published on purpose (policy: public recognition)
    assert not get_form("reference").sheet("业务所").field("head").private


@pytest.mark.parametrize(("form_id", "sheet_name", "label", "kind", "lo", "hi"), [
    ("recruitment", "招聘计划", "计划人数", "integer", 1, None),
    ("recruitment", "招聘计划", "已录用人数", "integer", 0, None),
    ("training", "培训计划", "课时", "number", 0, None),
    ("clients", "客户", "满意度评分", "number", 1, 5),
    ("clients", "客户", "本期销售额", "number", 0, None),
    ("reference", "季度目标", "销售目标", "number", 0, None),
    ("reference", "季度目标", "市场规模", "number", 0, None),
])
def test_number_bounds(form_id, sheet_name, label, kind, lo, hi):
    field = next(f for f in get_form(form_id).sheet(sheet_name).fields if f.label == label)
    assert (field.type.kind, field.type.min, field.type.max) == (kind, lo, hi)


def test_strict_lower_bounds():
    targets = get_form("reference").sheet("季度目标")
    assert targets.field("sales_target").type.min_exclusive
    assert targets.field("market_size").type.min_exclusive
    assert not targets.field("prior_sales").type.min_exclusive


def test_required_and_unique_ids():
    required_unique = {(fm.id, f.label) for fm, _, f in _all_fields() if f.required and f.unique}
    assert required_unique == {("recruitment", "工号"), ("training", "培训编号"), ("clients", "客户编号"),
                               ("projects", "项目编号"), ("reference", "所编号")}


def test_cross_field_rules_described_in_chinese():
    texts = {fm.id: [r.describe(s) for s in fm.sheets for r in s.rules] for fm in ALL_FORMS}
    assert "离职日期不得早于入职日期" in texts["recruitment"]
    assert "实际完成日期不得早于开始日期" in texts["projects"]
    assert "计划完成日期不得早于开始日期" in texts["projects"]
    assert "已解决投诉次数不得大于投诉次数" in texts["clients"]
    assert "状态为“已完成”时必须填写实际日期" in texts["training"]


def _relabel(form: Form, old: str, new: str) -> Form:
    sheets = tuple(
        dataclasses.replace(s, fields=tuple(dataclasses.replace(f, label=new) if f.label == old else f
                                            for f in s.fields))
        for s in form.sheets)
    return dataclasses.replace(form, sheets=sheets)


def test_structure_hash_is_stable_and_tracks_labels():
    clients = get_form("clients")
    assert len(clients.structure_hash) == 16
    assert clients.structure_hash == _relabel(clients, "行业", "行业").structure_hash
    assert clients.structure_hash != _relabel(clients, "行业", "所属行业").structure_hash
    assert len({f.structure_hash for f in ALL_FORMS}) == len(ALL_FORMS)


def test_structure_hash_ignores_help_text():
    clients = get_form("clients")
    sheet = clients.sheets[0]
    helped = dataclasses.replace(clients, sheets=(dataclasses.replace(sheet, help="另一段说明"),))
    assert helped.structure_hash == clients.structure_hash
