"""The handbook's 修订记录 page: every policy version, when it applies, and what changed, from the configs."""

from __future__ import annotations

import re
from typing import Any

from ...engine.policy_history import changes
from .escape import md_text
from .tables import scope_tables

PAGE = "handbook/revisions.md"


def render_revisions(history: Any) -> str:
    """Markdown: the versions newest first, each with a table of its differences from the one before."""
    versions = list(history.versions)
    lines = ["# 修订记录", "",
             "实施细则（政策配置）的各个版本，最新的在前。每个未关闭的期间按当时有效的版本计算，年度考核按该年"
             "第四季度有效的版本计算；已关闭期间的结果在关闭时冻结，不因以后的修订而改变。下表列出每个版本与"
             "上一版本在指标、评分点、权重、等级、奖金和激励上的不同，由各版本的配置文件生成。", ""]
    for index in range(len(versions) - 1, -1, -1):
        version = versions[index]
        start = f"自 {md_text(version.effective_from)} 起适用" if version.effective_from else "最初版本"
        if index + 1 < len(versions):
            start += f"，{md_text(versions[index + 1].effective_from)} 起由版本 {md_text(versions[index + 1].version)} 取代"
        current = "（现行）" if index == len(versions) - 1 else ""
        lines += [f"## 版本 {md_text(version.version)}{current} {{#{anchor(version.version, index)}}}", "", f"{start}。", ""]
        if index == 0:
            lines += ["这是记录中最早的版本。", ""]
            continue
        diff = changes(versions[index - 1], version)
        if not diff:
            lines += [f"与版本 {md_text(versions[index - 1].version)} 相比，表格中的规则没有变化。", ""]
            continue
        lines += [f"与版本 {md_text(versions[index - 1].version)} 相比：", "",
                  "| 项目 | 修订前 | 修订后 |", "|---|---|---|"]
        lines += [f"| {md_text(c.item)} | {md_text(c.before)} | {md_text(c.after)} |" for c in diff]
        lines.append("")
    return scope_tables("\n".join(lines))


def anchor(version: str, index: int) -> str:
    """A version's heading id, its digits grouped as in the label: 2024.1 -> 版本-2024-1. The id
    made from the heading would glue them (版本-20241), a number that is in no text the site
    publishes, so the privacy gate would rightly stop at a bonus amount of 20,241."""
    label = "-".join(re.findall(r"[0-9A-Za-z]+", version))
    return f"版本-{label}" if label else f"版本-{index + 1}"


__all__ = ["PAGE", "anchor", "render_revisions"]
