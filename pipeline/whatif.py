"""`whatif`: score the open periods under the policy in force and under a draft, and compare.

The data are read and checked once; the engine assesses them twice (closed periods stay frozen in
both); outputs.whatif builds the comparison, its printed table and its workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .atomic import unused_path, write_bytes
from .engine.assess import assess
from .engine.policy import Policy, PolicyError, load_policy
from .engine.policy_history import PolicyHistory, single
from .intake.oserrors import os_reason
from .outputs import whatif as tables
from .run import UsageError, check, load_policies, require_offices

DEFAULT_NAME = "试算对比"


@dataclass
class WhatIf:
    frame: pd.DataFrame
    current: str  # the policy versions in force, as shown
    draft: str
    closed: list[str]  # periods left out because they are closed


def compare(data_dir: str | Path, draft_path: str | Path, period: str | None = None, *,
            policy: Policy | PolicyHistory | str | Path | None = None, workers: int = 0, cache=None) -> WhatIf:
    """The comparison; UsageError for a missing folder, an unusable draft or policy, an unknown period;
    Refused when the reference names no office."""
    try:
        draft = load_policy(draft_path)
    except PolicyError as exc:
        raise UsageError(f"政策草案有误：{exc}") from None
    history = load_policies(policy)
    data = Path(data_dir)
    if not data.is_dir():
        raise UsageError(f"数据目录“{data}”不存在或不是文件夹。")
    dataset, _ = check(data, workers=workers, cache=cache, rules=history.current.plausibility)
    require_offices(dataset, "无法试算", "没有写出试算工作簿")
    current = assess(dataset, history)
    drafted = assess(dataset, single(draft))
    if period is not None and period not in current.periods:
        raise UsageError(f"数据目录中没有期间 {period}；有：{'、'.join(current.periods) or '（无）'}。")
    if period is not None and period in current.closed:
        raise UsageError(f"{period} 已关闭，结果已冻结，不参与试算；如需试算请先重新打开该期间。")
    versions = "、".join(dict.fromkeys(current.policy_for(p).version for p in current.periods
                                       if p not in current.closed)) or history.current.version
    return WhatIf(tables.comparison(current, drafted, period), versions, draft.version, sorted(current.closed))


def default_out(draft_path: str | Path, period: str | None, folder: Path = Path(".")) -> Path:
    """试算对比-<draft>[-<period>].xlsx in `folder`; numbered (-2, -3 …) rather than overwrite a file."""
    stem = f"{DEFAULT_NAME}-{Path(draft_path).stem}" + (f"-{period}" if period else "")
    return unused_path(folder, stem, ".xlsx")


def write_workbook(result: WhatIf, out: Path, data_dir: str | Path, draft_path: str | Path) -> None:
    """The comparison workbook, written atomically; UsageError when it cannot be written."""
    notes = [("内容", "每个业务所在每个未关闭的期间分别按现行政策和政策草案计算的得分、等级、排名、奖金系数与季度奖金，"
                      "按得分变化的大小排列。"),
             ("数据目录", Path(data_dir).name), ("现行政策版本", result.current),
             ("草案", f"{Path(draft_path).name}（版本 {result.draft}）"),
             ("已关闭的期间", "、".join(result.closed) + "（结果已冻结，不参与试算）" if result.closed else "（无）"),
             ("取整", "得分与得分变化保存未取整的数值，按一位小数显示；屏幕上的得分变化是两个得分按一位小数显示后之差，"
                      "与本表的得分变化可能相差 0.1。"),
             ("注意", "本工作簿含奖金金额（薪酬信息），仅供人力资源部使用，请勿外传。")]
    try:
        write_bytes(out, tables.workbook_bytes(result.frame, notes))
    except OSError as exc:
        raise UsageError(f"无法写入试算工作簿 {out}：{os_reason(exc, '写入')}") from None


__all__ = ["WhatIf", "compare", "default_out", "write_workbook"]
