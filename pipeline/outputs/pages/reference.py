"""The 填报指南 pages generated from specs: field reference, finding codes, template downloads."""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup

from ...findings import CATALOGUE, SEVERITY_LABELS, fix_text
from ...forms import ALL_FORMS
from .env import render

# Placeholders of message templates, shown to readers as what goes there.
PLACEHOLDERS = {
    "column": "列名", "seen": "实际值", "expected": "应为的内容", "reason": "原因", "label": "项目",
    "current": "最新", "form": "模板", "other": "另一文件", "sheet": "工作表", "office": "业务所",
    "period": "期间", "period_name": "期间", "kpi": "指标", "choices": "可选值", "first_row": "行号", "max_length": "字数上限",
    "length": "字数", "seconds": "秒数", "rule": "规则", "other_column": "另一列", "normalised": "读取值",
    "unit": "单位", "ceiling": "上限", "hint": "按元填写时的换算", "start": "本期第一天", "end": "本期最后一天",
    "rate": "比率", "low": "下限", "high": "上限", "detail": "说明", "sales": "销售额", "market": "市场规模",
    "what": "金额项目", "amount": "金额", "relation": "与以往的比较", "leavers": "离职人数", "at_start": "期初人数",
    "at_end": "期末人数", "previous": "上季度", "count": "人数", "key": "确认记录",
    "item": "调整项目", "status": "考核状态",
    "computed": "本次计算结果", "original": "原值", "closed_at": "关闭日期",
    "source": "所长名单", "gap_start": "起始日期", "gap_end": "结束日期", "closed": "期间", "change": "改动情况",
    "first_id": "已有的所编号",
}
UNNAMED = "相应内容"  # a placeholder without a name above (tests/test_pages.py fails for one)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Sections of the codes page, by the first part of the code.
GROUPS = (
    ("文件", ("file-", "folder-")),
    ("模板与工作表", ("template-", "sheet-", "header-")),
    ("封面、所编号与期间", ("cover-", "office-", "period-", "identity-", "submission-")),
    ("单元格", ("required-", "type-", "choice-", "out-of-range", "duplicate-", "formula-", "excel-", "value-")),
    ("关联规则", ("rule-", "roster-", "project-")),
    ("人力资源部基础数据", ("reference-",)),
    ("指标计算", ("kpi-",)),
    ("数据合理性", ("plausible-",)),
    ("已确认的问题", ("accepted-",)),
    ("复核调整与申诉", ("review-", "appeal-")),
)


def code_shape(template: str) -> str:
    """A message template with its placeholders as 〈名称〉, e.g. “〈列名〉”为必填项."""
    return _PLACEHOLDER.sub(lambda m: f"〈{PLACEHOLDERS.get(m.group(1), UNNAMED)}〉", template)


def grouped_codes() -> list[tuple[str, list]]:
    """CATALOGUE codes in page sections; codes matching no section go to 其他 (none get lost)."""
    placed: set[str] = set()
    groups = []
    for title, prefixes in GROUPS:
        codes = [c for c in CATALOGUE.values() if c.code not in placed and c.code.startswith(prefixes)]
        placed.update(c.code for c in codes)
        if codes:
            groups.append((title, codes))
    rest = [c for c in CATALOGUE.values() if c.code not in placed]
    if rest:
        groups.append(("其他", rest))
    return groups


def render_codes() -> str:
    """guide/codes.md: every finding code with what it says and how to fix it."""
    return render("codes.md.j2", page="guide/codes.md", groups=grouped_codes(), severity_labels=SEVERITY_LABELS,
                  shapes={c.code: code_shape(c.template) for c in CATALOGUE.values()},
                  fixes={code: fix_text(code) for code in CATALOGUE})


def _flags(field) -> Markup:
    tags = []
    if field.pii:
        tags.append('<span class="pii">个人信息</span>')
    if field.salary:
        tags.append('<span class="pii">薪酬信息</span>')
    if field.unique:
        tags.append('<span class="tag">唯一</span>')
    return Markup(" " + " ".join(tags)) if tags else Markup("")


def render_fields(forms: Iterable = ALL_FORMS) -> str:
    """guide/fields.md: every form, sheet and column with its type, rules and meaning."""
    return render("fields.md.j2", page="guide/fields.md", forms=list(forms), flags=_flags)


def render_downloads(available: Iterable[str], forms: Iterable = ALL_FORMS) -> str:
    """The downloads table of guide/templates.md; `available` = form ids whose file is in the site."""
    return render("downloads.html.j2", page="guide/templates.md", forms=list(forms), available=set(available))
