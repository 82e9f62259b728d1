"""Findings: what validation (and KPI computation) has to say about the data, as records.

Checks *yield* findings; they are never raised. A broken file becomes a finding at the workbook
boundary. Every finding's code comes from the one CATALOGUE below, whose Chinese titles, message
templates and fixes also render the handbook's 常见错误 page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告", INFO: "提示"}
HIDDEN = "（个人信息，已隐藏）"  # shown in a finding's message instead of a private value


@dataclass(frozen=True)
class Code:
    """One kind of finding: its code, default severity, Chinese title, message template and fix."""

    code: str
    severity: str
    title: str
    template: str  # str.format template over the finding's `params`
    fix: str  # how an office head or HR fixes it
    scope: str = "cell"  # file | sheet | row | cell | dataset


def _codes(*codes: Code) -> dict[str, Code]:
    return {c.code: c for c in codes}


# The one catalogue. Append new codes; never reuse a code for a different meaning.
# `{office}` names an office as people know it, `苏州一所（SU01）` (engine.model.office_label), the bare id
# only for an office not in HR's list; `{first_id}` (reference-office-case) quotes an id as typed.
CATALOGUE: dict[str, Code] = _codes(
    # --- file level -------------------------------------------------------------------------
    Code("file-unreadable", ERROR, "文件无法读取", "无法读取文件：{reason}",
         "确认文件没有损坏，用 Excel 或 WPS 打开后另存为 .xlsx 再提交。", "file"),
    Code("file-not-xlsx", ERROR, "不是 xlsx 文件", "文件不是有效的 .xlsx 工作簿：{reason}",
         "请从网站下载模板，在 Excel 或 WPS 中填写后保存为“Excel 工作簿（*.xlsx）”。", "file"),
    Code("file-truncated", ERROR, "文件不完整", "文件不完整或已损坏（可能上传中断）：{reason}",
         "重新保存并重新提交完整的文件。", "file"),
    Code("file-encrypted", ERROR, "文件已加密", "文件已加密或设置了打开密码，无法读取",
         "在 Excel 中取消“用密码进行加密”后重新保存提交。", "file"),
    Code("file-xls", ERROR, "旧版 Excel 97-2003 格式",
         "文件是旧版 Excel 97-2003 格式（.xls）{detail}，请在 Excel 或 WPS 中另存为 .xlsx",
         "在 Excel 或 WPS 中打开文件，“另存为”→“Excel 工作簿（*.xlsx）”后重新提交。", "file"),
    Code("file-macro", ERROR, "含宏的工作簿", "文件是启用宏的工作簿（.xlsm），不接受含宏的文件",
         "在 Excel 中“另存为”→“Excel 工作簿（*.xlsx）”（不含宏）后提交。", "file"),
    Code("file-empty", ERROR, "空文件", "文件为空（0 字节）或不含任何工作表",
         "重新保存并提交填写好的模板。", "file"),
    Code("file-strict-ooxml", ERROR, "严格 Open XML 格式", "文件以“严格 Open XML”格式保存，无法读取",
         "在 Excel 中“另存为”→“Excel 工作簿（*.xlsx）”（不要选“Strict Open XML 电子表格”）。", "file"),
    Code("file-too-large", ERROR, "文件超出限制", "文件超出处理限制：{reason}",
         "文件中可能有大量空白格式或异常内容。请把数据复制到新下载的模板中再提交。", "file"),
    Code("file-xml-unsafe", ERROR, "文件包含不安全内容", "文件的内部 XML 含有不允许的结构：{reason}",
         "请把数据复制到新下载的模板中再提交。", "file"),
    Code("file-ods", ERROR, "OpenDocument 电子表格",
         "文件是 OpenDocument 电子表格（.ods）{detail}，请在 Excel 或 WPS 中另存为 .xlsx",
         "在 Excel 或 WPS 中打开文件，“另存为”→“Excel 工作簿（*.xlsx）”后重新提交。", "file"),
    Code("file-timeout", ERROR, "读取超时", "读取文件超时（超过 {seconds} 秒）",
         "文件可能异常庞大。请把数据复制到新下载的模板中再提交。", "file"),
    # --- template identity --------------------------------------------------------------------
    Code("template-unknown", ERROR, "无法识别的模板", "无法识别模板：{reason}",
         "请从网站下载最新模板填写，不要新建工作簿或删除隐藏的说明信息。", "file"),
    Code("template-outdated", ERROR, "模板版本过旧", "模板版本为 {seen}，当前版本为 {current}",
         "从网站下载 {current} 版模板，把数据复制过去后重新提交。", "file"),
    Code("template-earlier", WARNING, "模板为旧版本",
         "模板版本为 {seen}，当前版本为 {current}；本次仍按 {seen} 版读取",
         "下次请从网站下载 {current} 版模板填写（可把本表的数据复制过去）。", "file"),
    Code("template-modified", WARNING, "模板结构被改动", "模板的表头或工作表被手工改动：{reason}",
         "不要改动表头；请使用网站上下载的原始模板。", "file"),
    Code("sheet-missing", ERROR, "缺少工作表", "缺少工作表“{sheet}”",
         "请使用网站上下载的模板，不要删除或重命名工作表。", "sheet"),
    Code("header-renamed", ERROR, "表头被改名", "第 {column} 列表头应为“{expected}”，实际为“{seen}”",
         "把这一列的表头改回模板规定的名称（见问题说明中的“应为”），或使用新下载的模板。", "cell"),
    Code("header-missing", ERROR, "缺少列", "缺少列“{expected}”",
         "恢复被删除的列，或使用新下载的模板。", "sheet"),
    Code("header-reordered", ERROR, "列顺序被改动", "列“{expected}”应在第 {column} 列，实际在第 {seen} 列",
         "按模板恢复列的顺序。", "cell"),
    Code("header-extra", WARNING, "多出的列", "多出的列“{seen}”不属于模板，其内容将被忽略",
         "删除多出的列；如需备注请写在模板规定的列中。", "cell"),
    # --- identity and folders -----------------------------------------------------------------
    Code("cover-missing", ERROR, "封面未填写", "封面的“{label}”未填写",
         "在“封面”工作表 B 列填写{label}。", "cell"),
    Code("office-unknown", ERROR, "未知的所编号", "所编号“{seen}”不在人力资源部的业务所名单中",
         "核对所编号；新设业务所请联系人力资源部加入名单。", "cell"),
    Code("period-malformed", ERROR, "期间格式错误", "期间应为“2026Q1”这样的格式，实际为“{seen}”",
         "按“年份+Q+季度”填写，如 2026Q1。", "cell"),
    Code("identity-mismatch", ERROR, "内容与文件夹不一致",
         "封面的{label}为“{seen}”，但文件位于“{expected}”文件夹",
         "核对封面；若封面正确，请把文件放到正确的文件夹。", "cell"),
    Code("submission-duplicate", ERROR, "重复提交", "同一业务所同一期间提交了两份“{form}”：{other}",
         "只保留一份，删除另一份。", "file"),
    Code("file-misplaced", ERROR, "文件位置不符合约定", "文件不在约定的位置：{reason}",
         "按 submissions/期间/所编号/模板.xlsx 放置文件，或用 intake 命令自动归档。", "file"),
    # --- cells --------------------------------------------------------------------------------
    Code("required-blank", ERROR, "必填项为空", "“{column}”为必填项，不能为空",
         "填写该单元格。", "cell"),
    Code("type-number", ERROR, "应为数字", "“{column}”应为{expected}，实际为“{seen}”",
         "填写阿拉伯数字，不要带单位或文字。", "cell"),
    Code("type-integer", ERROR, "应为整数", "“{column}”应为{expected}，实际为“{seen}”",
         "填写整数。", "cell"),
    Code("type-date", ERROR, "应为日期", "“{column}”应为日期（如 2026-03-05），实际为“{seen}”",
         "用日期格式填写，如 2026-03-05。", "cell"),
    Code("type-text", ERROR, "文本过长", "“{column}”最多 {max_length} 个字，实际 {length} 个字",
         "精简内容。", "cell"),
    Code("choice-invalid", ERROR, "不在可选范围内", "“{column}”应为以下之一：{choices}；实际为“{seen}”",
         "从单元格的下拉列表中选择。", "cell"),
    Code("out-of-range", ERROR, "超出范围", "“{column}”应为{expected}，实际为 {seen}",
         "核对数值。", "cell"),
    Code("duplicate-id", ERROR, "编号重复", "“{column}”的值“{seen}”在第 {first_row} 行已出现过",
         "每个编号只能出现一次；合并或删除重复的行。", "cell"),
    Code("formula-no-value", ERROR, "公式没有计算结果",
         "单元格是公式但没有保存计算结果（文件可能不是用 Excel/WPS 保存的）",
         "在 Excel 或 WPS 中打开文件、确认公式结果后保存，或直接填写数值。", "cell"),
    Code("formula-external", WARNING, "公式引用了其他文件",
         "“{column}”的公式引用了另一个工作簿，读到的是该文件上次保存时的结果；被引用的文件不在提交之列，"
         "其数值可能已经过时",
         "把公式换成数值（复制后“选择性粘贴”→“数值”），或把所需的数据直接填在本工作簿中。"),
    Code("excel-error", ERROR, "单元格为错误值", "单元格的值是 Excel 错误值 {seen}",
         "修正公式或直接填写数值。", "cell"),
    Code("value-normalised", INFO, "已自动规范化", "“{column}”的“{seen}”已按“{normalised}”读取",
         "无需处理；如读取有误请修改原值。下次照读取后的写法填写即可。", "cell"),
    # --- cross-field, cross-file and reference rules ------------------------------------------
    Code("rule-not-before", ERROR, "日期先后不合理", "{rule}：{column}为 {seen}，{other_column}为 {other}",
         "核对两个日期。", "cell"),
    Code("rule-not-above", ERROR, "数值关系不合理", "{rule}：{column}为 {seen}，{other_column}为 {other}",
         "核对两个数值。", "cell"),
    Code("rule-required-when", ERROR, "缺少关联信息", "{rule}",
         "补填该单元格，或修改状态。", "cell"),
    Code("roster-left-before-period", WARNING, "名册中有已离职成员",
         "该成员在本季度开始前（{seen}）已离职，不计入本季度人数（可能是沿用了上季度的名册）",
         "从本季度名册中删除本季度开始前已离职的成员。", "row"),
    Code("roster-joined-after-period", WARNING, "名册中有期后入职成员",
         "该成员的入职日期 {seen} 晚于本季度末，不计入本季度人数",
         "核对入职日期。", "row"),
    Code("project-client-unknown", WARNING, "项目的客户不在客户表中",
         "客户编号“{seen}”不在本期客户表中", "核对客户编号，或在客户表中补充该客户。", "cell"),
    Code("reference-no-target", ERROR, "缺少季度目标",
         "{office}有 {period_name}的提交，但《季度目标》中没有该季度的目标",
         "人力资源部在 reference.xlsx 的《季度目标》中补充该行。", "dataset"),
    Code("reference-missing", ERROR, "缺少基础数据", "找不到人力资源部基础数据文件 reference.xlsx",
         "把 reference.xlsx 放在数据目录的根目录下。", "file"),
    Code("reference-duplicate-target", ERROR, "季度目标重复",
         "{office}的 {period_name}目标重复出现（第 {first_row} 行已有）",
         "每个业务所每个季度只保留一行目标。", "row"),
    Code("reference-target-unknown-office", ERROR, "目标中的所编号未知",
         "《季度目标》中的所编号“{seen}”不在《业务所》表中", "核对所编号，或在《业务所》表中补充该所。", "cell"),
    Code("submission-missing", WARNING, "未提交", "{office}未提交 {period_name}的“{form}”",
         "请所长尽快提交该模板。", "dataset"),
    # --- KPI computation ----------------------------------------------------------------------
    Code("kpi-not-available", WARNING, "指标无法计算", "{office} {period_name}的{kpi}无法计算：{reason}",
         "请核对相关数据；在此之前，该指标的权重按比例分配给其他指标。", "dataset"),
    # --- identity cells -----------------------------------------------------------------------
    Code("text-control", ERROR, "含有控制字符", "“{column}”含有换行符等控制字符，实际为“{seen}”",
         "删除单元格中的换行符和其他不可见字符，重新填写。", "cell"),
    # --- folders and the reference ------------------------------------------------------------
    Code("folder-unreadable", ERROR, "文件夹无法读取", "无法读取文件夹中的文件：{reason}",
         "让运行考核程序的账户能读取该文件夹（检查文件夹的权限或网络共享），然后重新校验；"
         "在此之前，该文件夹中的模板都视为未提交。", "file"),
    Code("reference-office-case", ERROR, "所编号仅大小写不同",
         "所编号“{seen}”与第 {first_row} 行的“{first_id}”仅大小写不同，本行未采用",
         "所编号不区分大小写，每个业务所的编号须各不相同：同一业务所请删除重复的行，不同业务所请改用其他编号。", "cell"),
    Code("reference-no-offices", ERROR, "基础数据中没有业务所",
         "《业务所》表中没有任何业务所（可能是空白模板），无法核对各所的提交，也无法评分",
         "人力资源部在 reference.xlsx 的《业务所》表中为每个业务所填写一行，并在《季度目标》中填写各所各季度的目标。",
         "sheet"),
    # --- plausibility: a number that cannot be right never reaches a bonus ----------------------
    Code("plausible-ceiling", ERROR, "数值超出合理上限", "“{column}”为 {seen}{unit}，超过合理上限 {ceiling}{unit}{hint}",
         "核对数值和单位：金额以万元填写，按元填写的数额应除以 10,000。", "cell"),
    Code("plausible-date", ERROR, "日期不合理", "“{column}”为 {seen}：{reason}",
         "核对日期，按 2026-03-05 的格式填写；不要把数字或序号填进日期列。", "cell"),
    Code("plausible-date-far", WARNING, "日期远离填报期间",
         "“{column}”为 {seen}，与本期（{period}，{start} 至 {end}）相差一年以上",
         "核对年份；本期的计划应在本期前后一年之内。", "cell"),
    Code("plausible-attainment", ERROR, "疑似单位错误",
         "{office} {period} 的销售目标完成率为 {rate}，超出合理范围（{low} 至 {high}）：{detail}",
         "本期销售额与销售目标都以万元为单位，按元填写的数额应除以 10,000；"
         "核实无误的，由人力资源部在 accepted.xlsx 中确认。", "dataset"),
    Code("plausible-market-share", ERROR, "市场占有率超过 100%",
         "{office} {period} 的销售额 {sales} 万元超过了市场规模 {market} 万元（市场占有率 {rate}）：{detail}",
         "核对本期销售额（客户表）与市场规模（《季度目标》）是否都按万元填写。", "dataset"),
    Code("plausible-change", WARNING, "金额较以往变化异常", "{office} {period} 的{what}为 {amount} 万元，{relation}",
         "核对数值和单位（万元）；变化属实的，无需处理。", "dataset"),
    Code("plausible-attrition", WARNING, "流失率超过 100%",
         "{office} {period} 的团队成员流失率为 {rate}：离职 {leavers} 人，期初 {at_start} 人，期末 {at_end} 人",
         "核对团队名册的入职日期与离职日期；名册应包括本季度内任何时间在团队中的全部成员。", "dataset"),
    Code("plausible-roster-empty", WARNING, "团队名册为空",
         "{office} {period} 的团队名册中没有本季度在职的成员，也没有离职记录；上季度（{previous}）期末有 {count} 人",
         "补全团队名册：本季度内任何时间在团队中的每位成员一行，离职的成员填写离职日期。", "dataset"),
    # --- HR's acceptances (accepted.xlsx) ------------------------------------------------------
    Code("accepted-unmatched", WARNING, "确认记录没有对应的问题",
         "已确认的问题（{key}）没有出现在本次校验中：{reason}",
         "问题已更正的，删除 accepted.xlsx 中的这一行；否则核对所编号、期间、文件、单元格和代码是否与校验报告一致。", "row"),
    # --- heads of office (reference.xlsx › 所长任职) and weightless forms ---------------------------
    Code("head-unknown-office", ERROR, "任职记录的所编号未知",
         "《所长任职》中的所编号“{seen}”不在《业务所》表中，本行未采用",
         "核对所编号，或在《业务所》表中补充该所。", "cell"),
    Code("head-overlap", ERROR, "所长任职时间重叠",
         "{office}的这一任职（自 {start}）与第 {first_row} 行的任职（{other}）时间重叠，本行未采用",
         "同一业务所同一天只能有一位所长：把前一任的结束日期改为新所长到任的前一天。", "cell"),
    Code("head-gap", WARNING, "所长任职有空档",
         "{office}在 {gap_start} 至 {gap_end} 没有在任所长（第 {first_row} 行的任职结束后，本行才开始）",
         "核对两任所长的结束与起始日期；确实空缺的期间，其考核结果不归属任何所长。", "cell"),
    Code("cover-filler-not-head", WARNING, "填报人不是在任所长",
         "封面的填报人与{office} {period} 在任的所长（见{source}）不一致",
         "由副所长等代为填报时无需更改，人力资源部知悉即可；否则请核对封面的填报人。", "cell"),
    Code("submission-missing-weightless", WARNING, "缺少不计分的表格",
         "{office}未提交 {period} 的“{form}”；该表的指标在本期考核中权重均为 0，本期照常评分",
         "所长尽快补交该表格（其中的数据仍供参考）。", "dataset"),
    # --- HR's reviews (reviews.xlsx): adjustments and appeals --------------------------------
    Code("review-office-unknown", ERROR, "复核记录的所编号未知",
         "所编号“{seen}”不在人力资源部的业务所名单中，本行未采用",
         "核对所编号，照考核结果填写。", "cell"),
    Code("review-period-malformed", ERROR, "复核记录的期间格式错误",
         "期间应为 2026Q1 这样的季度或 2026 这样的年份，实际为“{seen}”，本行未采用",
         "按考核结果中的期间填写，如 2026Q1 或 2026。", "cell"),
    Code("review-value-invalid", ERROR, "调整的值无法识别",
         "“{item}”的{column}应为{expected}，实际为“{seen}”，本行未采用",
         "比率写 95.3% 或 0.953，满意度、得分和总分写数字，等级写等级名称（如 优秀）。", "cell"),
    Code("review-duplicate", ERROR, "重复的调整",
         "{office} {period} 的“{item}”已在第 {first_row} 行调整，本行未采用",
         "同一项只保留一行调整：删除多余的行，或把两行合并。", "row"),
    Code("review-not-scored", ERROR, "调整的期间没有评分",
         "{office} {period} 的考核结果为“{status}”，没有可调整的“{item}”，本行未采用",
         "先更正数据，使该业务所在该期间得到评分，再核对原值；或删除这一行。", "row"),
    Code("review-stale", ERROR, "调整的原值与计算结果不符",
         "{office} {period} 的“{item}”本次计算为 {computed}，与原值 {original} 不符："
         "调整可能依据的是其他数据，本行未采用",
         "核对数据是否在复核后又有更改；确认调整仍然适用后，把原值改为本次的计算结果。", "row"),
    Code("review-closed", ERROR, "已关闭期间不能调整",
         "{period} 已于 {closed_at} 关闭，关闭时没有这项调整（{office} 的“{item}”），本行未采用",
         "确需调整时，由人力资源部先用 reopen 命令重新打开该期间，调整后重新关闭；否则删除这一行。", "row"),
    Code("appeal-no-adjustment", ERROR, "已调整的申诉没有调整记录",
         "申诉的处理结果为“已调整”，但《调整》表中没有 {office} {period} 的调整",
         "在《调整》表中补充该所该期间的调整，或核对申诉的所编号、期间和处理结果。", "row"),
    # --- closed periods -----------------------------------------------------------------------
    Code("closed-period-changed", ERROR, "已关闭期间的文件有改动",
         "{closed} 已于 {closed_at} 关闭，此文件{change}；公布的仍是关闭时冻结的结果",
         "把文件恢复为关闭时的版本；确需更正时，由人力资源部先用 reopen 命令重新打开该期间，再重新校验、关闭。", "file"),
    Code("closed-record-invalid", ERROR, "关闭记录无法使用",
         "关闭记录无法使用：{reason}；该期间按未关闭处理，重新计算",
         "不要手工修改 closed/ 文件夹中的文件：从备份恢复该文件，或由人力资源部重新运行 close 命令关闭该期间。", "file"),
)


# A fix's placeholders in words: a finding keeps its place, not its message's parameters.
FIX_WORDS = {"current": "最新", "label": "该项"}


class _Words(dict):
    def __missing__(self, key: str) -> str:
        return ""


def fix_text(code: str, label: str = "") -> str:
    """The catalogue's fix for `code`, its placeholders in words (`label`: the cover item it names)."""
    return CATALOGUE[code].fix.format_map(_Words(FIX_WORDS, **({"label": label} if label else {})))


# A file with one of these could not be read at all: it has no identity, no rows, and never an
# annotated copy.
UNREADABLE = frozenset(code for code in CATALOGUE if code.startswith("file-") and code != "file-misplaced")


@dataclass(frozen=True)
class Finding:
    """One observation about the data: where it is, what is wrong, and what was seen."""

    code: str
    severity: str
    message: str  # Chinese; never contains a value of a private (PII/salary) column
    file: str = ""  # path relative to DATA_DIR, '/'-separated
    sheet: str = ""
    cell: str = ""  # A1 address, e.g. "G7"
    row: int | None = None
    column: str = ""  # the column label
    value: str | None = None  # what was seen (as text), None when private or not applicable
    office_id: str = ""
    period: str = ""
    # HR's reason when it accepted the finding in accepted.xlsx (engine.acceptance), else None
    acceptance: str | None = None

    @property
    def title(self) -> str:
        return CATALOGUE[self.code].title

    @property
    def blocking(self) -> bool:
        """An error HR has not accepted: its office-period is not scored and the run exits 1."""
        return self.severity == ERROR and self.acceptance is None

    @property
    def fix(self) -> str:
        """How to fix it, in Chinese (the catalogue's fix for the code)."""
        return fix_text(self.code, self.column)

    @property
    def place(self) -> str:
        """`file › sheet › cell` as shown to people."""
        parts = [p for p in (self.file, self.sheet, self.cell or (f"第 {self.row} 行" if self.row else "")) if p]
        return " › ".join(parts)

    def display(self) -> str:
        """The one-line Chinese text of STYLE rule 4: place, then message."""
        return f"{self.place}：{self.message}" if self.place else self.message

    def sort_key(self) -> tuple:
        return (self.file, self.sheet, self.row or 0, self.cell, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        # every field is a str, int or None: dataclasses.asdict's deep copy is not needed (and
        # costs 40 µs a finding, a tenth of a second for a few thousand)
        return {name: getattr(self, name) for name in _FIELDS}


_FIELDS = tuple(f.name for f in fields(Finding))


class Refused(Exception):
    """A command the data do not allow at all (HR's reference names no office; a period to close
    with errors): what cannot be done, in Chinese, and the findings that say why. Raised by a stage
    before it writes anything, never by a check; the command line shows both and exits 1."""

    def __init__(self, message: str, findings: Iterable[Finding] = ()):
        super().__init__(message)
        self.message = message
        self.findings = list(findings)


def finding(code: str, *, severity: str | None = None, private: bool = False, **where_and_params: Any) -> Finding:
    """Build a Finding from the catalogue, rendering its message from keyword params.

    `where` keywords (file, sheet, cell, row, column, office_id, period, value) go on the record;
    everything else fills the message template. With `private=True` the value is withheld from
    both the record and the message, since it comes from a PII or salary column.
    """
    entry = CATALOGUE[code]
    where_keys = ("file", "sheet", "cell", "row", "column", "office_id", "period", "value")
    where = {k: where_and_params.pop(k) for k in where_keys if k in where_and_params}
    params = dict(where_and_params)
    params.setdefault("column", where.get("column", ""))
    params.setdefault("sheet", where.get("sheet", ""))  # sheet-missing names its sheet
    params.setdefault("period", where.get("period", ""))  # several templates name the period too
    params.setdefault("period_name", params["period"])  # in words (2026年度), when the caller gives them
    if private:
        where["value"] = None
        for key in ("seen", "normalised", "other"):
            if key in params:
                params[key] = HIDDEN
    elif "value" in where and where["value"] is not None:
        where["value"] = str(where["value"])
    message = entry.template.format(**params)
    return Finding(code=code, severity=severity or entry.severity, message=message, **where)


def withheld(f: Finding, texts: Iterable[str], value: bool = True) -> Finding:
    """`f` with each of `texts` (private values it quotes) shown as HIDDEN in its message, and
    its value withheld when `value` — as `finding(private=True)` does for a private column.

    For a cell value that is not in a private column but is a private value elsewhere in the run
    (a roster name typed into the rating column); the caller knows which texts those are.
    """
    message = f.message
    for text in sorted({t for t in texts if t}, key=len, reverse=True):  # longest first: no partial leftovers
        message = message.replace(text, HIDDEN)
    return replace(f, message=message, value=None if value else f.value)
