"""The policy config (policy.yaml): loaded into typed objects and checked, with Chinese errors.

Scoring and the handbook's tables both read the Policy built here, so the published policy can
never disagree with the scores.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

DEFAULT_POLICY_PATH = Path(__file__).parents[1] / "policy.yaml"
CYCLES = ("quarterly", "annual")
CYCLE_LABELS = {"quarterly": "季度考核", "annual": "年度考核"}
KPI_KEYS = ("attainment", "growth", "market_share", "attrition", "pass_rate", "training_rate", "satisfaction")


class PolicyError(ValueError):
    """The policy config is unusable; the message (Chinese) says where and why."""


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    block: str
    unit: str  # "percent" (a rate stored as a decimal) or "score" (0–100)
    formula: str
    description: str
    points: dict[str, tuple[tuple[float, float], ...]]  # cycle -> ((value, score), ...)
    weight: dict[str, float]  # cycle -> weight


@dataclass(frozen=True)
class Grade:
    name: str
    min: float | None  # None for the lowest grade


@dataclass(frozen=True)
class Bonus:
    cap: float
    zero_grades: tuple[str, ...]


@dataclass(frozen=True)
class SpecialAward:
    name: str
    grade: str
    min_block_scores: dict[str, float]


@dataclass(frozen=True)
class ExcellentHead:
    name: str
    grade: str
    top_share: float
    min_count: int

    @property
    def description(self) -> str:
        """The rule in Chinese for the handbook, rendered from the numbers so it cannot disagree."""
        share = _num(round(self.top_share * 100, 6))
        return (f"年度等级为{self.grade}的业务所中,按年度得分从高到低取前 {share}%(人数向下取整,"
                f"至少 {self.min_count} 名),得分并列者一并授予。")


@dataclass(frozen=True)
class Promotion:
    name: str
    grade: str
    consecutive_years: int


@dataclass(frozen=True)
class Development:
    name: str
    grade: str


@dataclass(frozen=True)
class Plausibility:
    """Bounds past which a figure cannot be right (the plausibility stage, engine/plausibility.py)."""

    attainment_min: float = 0.05  # below it, with sales at all: a target typed in 元, or sales in 亿元
    attainment_max: float = 3.0  # above it: sales typed in 元 instead of 万元 (×10,000)
    market_share_max: float = 1.0  # an office cannot sell more than its whole market
    change_factor: float = 10.0  # a sum more than this many times, or under 1/this, of an earlier quarter
    attrition_max: float = 1.0  # more leavers in a quarter than its average team


DEFAULT_PLAUSIBILITY = Plausibility()


@dataclass(frozen=True)
class Policy:
    version: str
    digest: str  # sha256 of the file's bytes: part of every cache key
    meeting_minutes: int
    blocks: dict[str, str]  # block key -> Chinese name, in display order
    kpis: dict[str, Kpi]  # in display order
    informational: dict[str, str]
    grades: tuple[Grade, ...]  # best first
    bonus: Bonus
    special_award: SpecialAward
    excellent_head: ExcellentHead
    promotion: Promotion
    development: Development
    plausibility: Plausibility = DEFAULT_PLAUSIBILITY

    def kpis_in_block(self, block: str) -> list[Kpi]:
        return [k for k in self.kpis.values() if k.block == block]

    def grade_for(self, score: float) -> str:
        """The grade of a (unrounded) total score."""
        for grade in self.grades:
            if grade.min is None or score >= grade.min:
                return grade.name
        return self.grades[-1].name


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and check a policy config; PolicyError (Chinese) when it is unusable."""
    path = Path(path) if path else DEFAULT_POLICY_PATH
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"无法读取政策配置文件 {path}:{exc.strerror or exc}") from None
    try:
        raw = yaml.safe_load(raw_bytes.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PolicyError(f"政策配置文件 {path.name} 不是有效的 YAML:{exc}") from None
    return parse_policy(raw, digest=hashlib.sha256(raw_bytes).hexdigest(), source=path.name)


def parse_policy(raw: Any, digest: str = "", source: str = "policy.yaml") -> Policy:
    """Build a Policy from already-parsed YAML data, checking every rule."""
    r = _Reader(source)
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}:顶层应为键值对")
    blocks = {str(k): str(v) for k, v in r.mapping(raw, "blocks").items()}
    kpis_raw = r.mapping(raw, "kpis")
    unknown = [k for k in kpis_raw if k not in KPI_KEYS]
    if unknown:
        raise PolicyError(f"{source}:kpis 中有未知指标 {', '.join(map(str, unknown))};可用的指标为 {', '.join(KPI_KEYS)}")
    missing = [k for k in KPI_KEYS if k not in kpis_raw]
    if missing:
        raise PolicyError(f"{source}:kpis 缺少指标 {', '.join(missing)}(不计分的指标请把权重设为 0)")
    kpis = {key: _parse_kpi(r, key, kpis_raw[key], blocks) for key in kpis_raw}
    for cycle in CYCLES:
        total = sum(k.weight[cycle] for k in kpis.values())
        if abs(total - 100) > 1e-9:
            detail = " + ".join(f"{k.name} {_num(k.weight[cycle])}" for k in kpis.values())
            raise PolicyError(f"{source}:{CYCLE_LABELS[cycle]}的权重之和应为 100,实际为 {_num(total)}({detail})")

    grades = tuple(_parse_grades(r, r.get(raw, "grades")))
    grade_names = {g.name for g in grades}
    bonus_raw = r.mapping(raw, "bonus")
    bonus = Bonus(cap=r.number(bonus_raw, "cap", "bonus"), zero_grades=tuple(bonus_raw.get("zero_grades") or ()))
    for g in bonus.zero_grades:
        r.check(g in grade_names, f"bonus.zero_grades 中的等级“{g}”不在 grades 中")

    inc = r.mapping(raw, "incentives")
    sa = r.mapping(inc, "special_award", "incentives")
    special = SpecialAward(r.text(sa, "name", "special_award"), r.text(sa, "grade", "special_award"),
                           {str(k): float(v) for k, v in (sa.get("min_block_scores") or {}).items()})
    for b in special.min_block_scores:
        r.check(b in blocks, f"incentives.special_award.min_block_scores 中的板块“{b}”不在 blocks 中")
    eh = r.mapping(inc, "excellent_head", "incentives")
    excellent = ExcellentHead(r.text(eh, "name", "excellent_head"), r.text(eh, "grade", "excellent_head"),
                              r.number(eh, "top_share", "excellent_head"), int(r.number(eh, "min_count", "excellent_head")))
    r.check(0 < excellent.top_share <= 1, "incentives.excellent_head.top_share 应在 0 到 1 之间")
    pr = r.mapping(inc, "promotion", "incentives")
    promotion = Promotion(r.text(pr, "name", "promotion"), r.text(pr, "grade", "promotion"),
                          int(r.number(pr, "consecutive_years", "promotion")))
    r.check(promotion.consecutive_years >= 1, "incentives.promotion.consecutive_years 应不小于 1")
    dv = r.mapping(inc, "development", "incentives")
    development = Development(r.text(dv, "name", "development"), r.text(dv, "grade", "development"))
    for rule in (special, excellent, promotion, development):
        r.check(rule.grade in grade_names, f"激励“{rule.name}”要求的等级“{rule.grade}”不在 grades 中")

    minutes = r.number(raw, "meeting_minutes")
    r.check(minutes > 0 and float(minutes).is_integer(), "meeting_minutes(晨会分钟数)应为正整数")
    return Policy(
        version=str(raw.get("version", "")),
        digest=digest,
        meeting_minutes=int(minutes),
        blocks=blocks,
        kpis=kpis,
        informational={str(k): str(v) for k, v in (raw.get("informational") or {}).items()},
        grades=grades,
        bonus=bonus,
        special_award=special,
        excellent_head=excellent,
        promotion=promotion,
        development=development,
        plausibility=parse_plausibility(raw.get("plausibility"), source),
    )


def parse_plausibility(raw: Any, source: str = "policy.yaml") -> Plausibility:
    """The `plausibility:` section (every key optional: a missing one keeps its default)."""
    if raw is None:
        return DEFAULT_PLAUSIBILITY
    r = _Reader(source)
    r.check(isinstance(raw, dict), "plausibility 应为键值对")
    known = {f.name for f in fields(Plausibility)}
    unknown = sorted(str(k) for k in raw if k not in known)
    r.check(not unknown, f"plausibility 中有未知的项 {'、'.join(unknown)}；可用的项为 {'、'.join(sorted(known))}")
    values = {}
    for key, value in raw.items():
        r.check(_is_number(value) and math.isfinite(value) and value > 0,
                f"plausibility.{key} 应为大于 0 的数字，实际为 {value!r}")
        values[key] = float(value)
    rules = Plausibility(**values)
    r.check(rules.attainment_min < rules.attainment_max,
            "plausibility.attainment_min 应小于 plausibility.attainment_max")
    r.check(rules.change_factor > 1, "plausibility.change_factor 应大于 1")
    return rules


def _parse_kpi(r: _Reader, key: str, raw: Any, blocks: dict[str, str]) -> Kpi:
    where = f"kpis.{key}"
    if not isinstance(raw, dict):
        raise PolicyError(f"{r.source}:{where} 应为键值对")
    block = r.text(raw, "block", where)
    r.check(block in blocks, f"{where}.block 的板块“{block}”不在 blocks 中")
    points_raw = r.mapping(raw, "points", where)
    weight_raw = r.mapping(raw, "weight", where)
    points: dict[str, tuple[tuple[float, float], ...]] = {}
    weight: dict[str, float] = {}
    for cycle in CYCLES:
        pts = points_raw.get(cycle)
        r.check(isinstance(pts, list) and len(pts) >= 2, f"{where}.points.{cycle} 应至少有两个评分点")
        parsed = []
        for i, p in enumerate(pts):
            ok = isinstance(p, list) and len(p) == 2 and all(_is_number(x) for x in p)
            r.check(ok, f"{where}.points.{cycle} 第 {i + 1} 个评分点应为 [指标值, 得分],实际为 {p!r}")
            parsed.append((float(p[0]), float(p[1])))
        for (a, _), (b, _) in zip(parsed, parsed[1:]):
            r.check(b > a, f"{where}.points.{cycle} 的指标值应从小到大排列,{_num(a)} 之后是 {_num(b)}")
        points[cycle] = tuple(parsed)
        w = weight_raw.get(cycle)
        r.check(_is_number(w) and w >= 0, f"{where}.weight.{cycle} 应为不小于 0 的数字,实际为 {w!r}")
        weight[cycle] = float(w)
    unit = str(raw.get("unit", "percent"))
    r.check(unit in ("percent", "score"), f"{where}.unit 应为 percent 或 score")
    return Kpi(key=key, name=r.text(raw, "name", where), block=block, unit=unit,
               formula=str(raw.get("formula", "")), description=str(raw.get("description", "")),
               points=points, weight=weight)


def _parse_grades(r: _Reader, raw: Any) -> list[Grade]:
    r.check(isinstance(raw, list) and len(raw) >= 2, "grades 应至少有两个等级")
    grades = []
    for i, g in enumerate(raw):
        r.check(isinstance(g, dict) and "name" in g, f"grades 第 {i + 1} 项应有 name")
        lo = g.get("min")
        r.check(lo is None or _is_number(lo), f"grades 中“{g['name']}”的 min 应为数字")
        grades.append(Grade(str(g["name"]), None if lo is None else float(lo)))
    r.check(grades[-1].min is None, "grades 的最后一个等级应不设下限(min: null)")
    r.check(all(g.min is not None for g in grades[:-1]), "grades 中只有最后一个等级可以不设下限")
    mins = [g.min for g in grades[:-1]]
    r.check(all(a > b for a, b in zip(mins, mins[1:])), "grades 应按 min 从高到低排列")
    return grades


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


class _Reader:
    """Small helpers that turn a missing or mistyped key into a PolicyError naming it."""

    def __init__(self, source: str):
        self.source = source

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            raise PolicyError(f"{self.source}:{message}")

    def get(self, raw: dict, key: str, where: str = "") -> Any:
        if key not in raw:
            raise PolicyError(f"{self.source}:缺少 {where + '.' if where else ''}{key}")
        return raw[key]

    def mapping(self, raw: dict, key: str, where: str = "") -> dict:
        value = self.get(raw, key, where)
        self.check(isinstance(value, dict), f"{where + '.' if where else ''}{key} 应为键值对")
        return value

    def text(self, raw: dict, key: str, where: str = "") -> str:
        value = self.get(raw, key, where)
        self.check(isinstance(value, str) and value.strip() != "", f"{where}.{key} 应为非空文本")
        return value

    def number(self, raw: dict, key: str, where: str = "") -> float:
        value = self.get(raw, key, where)
        self.check(_is_number(value), f"{where + '.' if where else ''}{key} 应为数字,实际为 {value!r}")
        return float(value)
