"""Policy versions: policy.yaml (the version in force now) and the earlier ones in `policies/` beside it.

    pipeline/policy.yaml             effective_from: 2025Q1   the current version, the one HR edits
    pipeline/policies/2024Q1.yaml    effective_from: 2024Q1   an earlier version, kept as it was

Why a folder of whole files rather than one file listing every version: HR edits one ordinary
policy file as before, an earlier version is that same file copied aside unchanged (what was in
force can be read, diffed and restored as it stood), and each file is checked by the same loader.

A quarter is scored under the latest version whose `effective_from` is not after it; a year under
the version in force for its fourth quarter (the annual assessment is made when the year is over).
A version without `effective_from` is in force from the beginning; only the earliest may omit it.
The plausibility bounds check the data as it is now, so they are always the current version's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..periods import is_year
from .policy import CYCLE_LABELS, CYCLES, DEFAULT_POLICY_PATH, Policy, PolicyError, load_policy

VERSIONS_FOLDER = "policies"
MAX_VERSIONS = 200


@dataclass(frozen=True)
class PolicyHistory:
    """Every version, oldest first; the last is the current one."""

    versions: tuple[Policy, ...]

    @property
    def current(self) -> Policy:
        return self.versions[-1]

    def for_period(self, period: str) -> Policy:
        """The version in force for a quarter (`2026Q1`) or a year (`2026`: its fourth quarter's)."""
        quarter = f"{period}Q4" if is_year(period) else period
        chosen = self.versions[0]
        for version in self.versions:
            if version.effective_from <= quarter:
                chosen = version
        return chosen

    @property
    def digest(self) -> str:
        return "+".join(v.digest for v in self.versions)


def single(policy: Policy) -> PolicyHistory:
    """One policy in force for every period (a draft, a policy given with --policy and no versions)."""
    return PolicyHistory((policy,))


def history_of(versions: list[Policy]) -> PolicyHistory:
    """Order and check versions; PolicyError (Chinese) when two share a start or more than one has none."""
    versions = sorted(versions, key=lambda v: v.effective_from)
    starts = [v.effective_from for v in versions]
    if starts.count("") > 1:
        raise PolicyError("政策的历史版本中只有最早的一个可以不写 effective_from（生效期间）")
    repeated = sorted({s for s in starts if starts.count(s) > 1})
    if repeated:
        raise PolicyError(f"政策的多个版本生效期间相同：{'、'.join(repeated)}")
    return PolicyHistory(tuple(versions))


def load_history(path: str | Path | None = None) -> PolicyHistory:
    """policy.yaml (or `path`) and every `policies/*.yaml` beside it; PolicyError when any is unusable.

    The current file must start last: an earlier version dated after it is a mistake, not a plan.
    """
    path = Path(path) if path else DEFAULT_POLICY_PATH
    current = load_policy(path)
    folder = path.parent / VERSIONS_FOLDER
    try:
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    except OSError:
        files = []
    if len(files) > MAX_VERSIONS:
        raise PolicyError(f"{VERSIONS_FOLDER}/ 中的历史版本超过 {MAX_VERSIONS} 个")
    earlier = []
    for file in files:
        try:
            version = load_policy(file)
        except PolicyError as exc:
            raise PolicyError(f"{VERSIONS_FOLDER}/{exc}") from None
        if not version.effective_from:
            raise PolicyError(f"{VERSIONS_FOLDER}/{file.name}：历史版本须写明 effective_from（生效期间）")
        if version.effective_from >= current.effective_from:
            raise PolicyError(f"{VERSIONS_FOLDER}/{file.name}：生效期间 {version.effective_from} 不早于现行版本"
                              f"（{path.name}，{current.effective_from or '未写明'}）；现行版本应是最后生效的")
        earlier.append(version)
    return history_of([*earlier, current])


# ---------------------------------------------------------------------------------------------
# What changed between two versions (the handbook's 修订记录)


@dataclass(frozen=True)
class Change:
    item: str  # Chinese: which table entry
    before: str
    after: str


def changes(old: Policy, new: Policy) -> list[Change]:
    """Every difference in the tables the handbook shows: weights, points, grades, bonus, incentives."""
    out: list[Change] = []

    def differ(item: str, before: object, after: object) -> None:
        a, b = _text(before), _text(after)
        if a != b:
            out.append(Change(item, a, b))

    differ("晨会时间（分钟）", old.meeting_minutes, new.meeting_minutes)
    for key in dict.fromkeys([*old.blocks, *new.blocks]):
        differ(f"板块“{new.blocks.get(key) or old.blocks.get(key)}”的名称", old.blocks.get(key), new.blocks.get(key))
    for key, kpi in new.kpis.items():
        before = old.kpis.get(key)
        differ(f"{kpi.name}的名称", before.name if before else None, kpi.name)
        differ(f"{kpi.name}的所属板块", old.blocks.get(before.block) if before else None, new.blocks.get(kpi.block))
        for cycle in CYCLES:
            label = CYCLE_LABELS[cycle]
            differ(f"{kpi.name}的{label}权重", before.weight[cycle] if before else None, kpi.weight[cycle])
            differ(f"{kpi.name}的{label}评分点", before.points[cycle] if before else None, kpi.points[cycle])
    differ("等级划分", _grades(old), _grades(new))
    differ("奖金系数上限", old.bonus.cap, new.bonus.cap)
    differ("奖金系数为 0 的等级", list(old.bonus.zero_grades), list(new.bonus.zero_grades))
    differ("年终特别奖励的条件", _special(old), _special(new))
    differ("优秀业务所长的名额", (old.excellent_head.grade, old.excellent_head.top_share, old.excellent_head.min_count),
           (new.excellent_head.grade, new.excellent_head.top_share, new.excellent_head.min_count))
    differ("晋升优先的条件", (old.promotion.grade, old.promotion.consecutive_years),
           (new.promotion.grade, new.promotion.consecutive_years))
    differ("培训与发展激励的条件", old.development.grade, new.development.grade)
    return out


def _grades(policy: Policy) -> str:
    return "、".join(g.name if g.min is None else f"{g.name} ≥ {_text(g.min)}" for g in policy.grades)


def _special(policy: Policy) -> str:
    rule = policy.special_award
    bounds = "、".join(f"{policy.blocks.get(b, b)} ≥ {_text(v)}" for b, v in rule.min_block_scores.items())
    return f"等级{rule.grade}" + (f"，{bounds}" if bounds else "")


def _text(value: object) -> str:
    """A table value as the handbook shows it: numbers without .0, points as 值→分, lists with 、."""
    if value is None:
        return "（无）"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, tuple) and value and all(isinstance(p, tuple) and len(p) == 2 and
                                                   all(isinstance(x, float) for x in p) for p in value):
        return "；".join(f"{_text(v)} → {_text(s)}" for v, s in value)
    if isinstance(value, (list, tuple)):
        return "，".join(_text(v) for v in value) or "（无）"
    return str(value)


__all__ = ["VERSIONS_FOLDER", "Change", "PolicyHistory", "changes", "history_of", "load_history", "single"]
