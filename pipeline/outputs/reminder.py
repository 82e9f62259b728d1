"""A ready-to-send reminder to one office head (Chinese text): which forms of a quarter are missing
or have errors, the deadline, and where to get the templates. Pure: `remind` writes the files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..forms.values import printable
from ..periods import period_label

# where the site offers the blank templates (mkdocs.yml: 填报指南 › 模板下载, guide/templates.md)
TEMPLATES_PAGE = "guide/templates.html"


@dataclass(frozen=True)
class Reminder:
    """What one office still owes for a quarter."""

    office_id: str
    office_name: str
    head: str
    period: str
    missing: tuple[str, ...] = ()  # form titles not received
    errors: tuple[tuple[str, int], ...] = ()  # (form title, errors HR has not accepted)
    deadline: date | None = None

    @property
    def needed(self) -> bool:
        return bool(self.missing or self.errors)


def _deadline_line(deadline: date | None, today: date) -> str:
    if deadline is None:
        return "请尽快提交。"
    if today > deadline:
        return f"本季度的填报截止日期（{deadline.isoformat()}）已过，请尽快提交。"
    return f"本季度的填报截止日期为 {deadline.isoformat()}，请在截止日期前提交。"


def reminder_text(reminder: Reminder, today: date) -> str:
    """The reminder's text, one paragraph per point, ending in a newline."""
    r = reminder
    who = f"{r.office_name}（{r.office_id}）" if r.office_name else r.office_id
    state = "尚未全部收齐" if r.missing else "中有需要更正的错误"  # all in but some wrong: not 未收齐
    lines = [f"{who}{r.head}所长：", "",
             f"您好！贵所 {period_label(r.period)}（{r.period}）的考核表格{state}："]
    if r.missing:
        lines += ["", "尚未提交的表格："] + [f"  - {title}" for title in r.missing]
    if r.errors:
        lines += ["", "已收到但有错误、需要修改后重新提交的表格："]
        lines += [f"  - {title}（{count} 个错误，标注副本或网站“校验报告”页写明了每个错误的位置和改法）"
                  for title, count in r.errors]
    lines += ["", _deadline_line(r.deadline, today), "",
              f"空白模板请从考核网站“填报指南 › 模板下载”页面（网站中的 {TEMPLATES_PAGE}）下载。"
              f"填写时先填“封面”：所编号 {r.office_id}，期间 {r.period}；再按表头逐行填写。",
              "", "如有疑问，请与人力资源部联系。谢谢！", "", "人力资源部"]
    return printable("\n".join(lines), keep="\n") + "\n"


__all__ = ["TEMPLATES_PAGE", "Reminder", "reminder_text"]
