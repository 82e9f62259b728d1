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

from ..intake.oserrors import os_reason
from ..periods import PERIOD_RE
from .policy_file import Refused, load_yaml, read_bounded, shown, shown_text

DEFAULT_POLICY_PATH = Path(__file__).parents[1] / "policy.yaml"
CYCLES = ("quarterly", "annual")
CYCLE_LABELS = {"quarterly": "季度考核", "annual": "年度考核"}
KPI_KEYS = ("attainment", "growth", "market_share", "attrition", "pass_rate", "training_rate", "satisfaction")
TOP_KEYS = ("version", "effective_from", "meeting_minutes", "blocks", "kpis", "informational", "grades", "bonus",
            "incentives", "plausibility", "publish")
# What the site publishes (`publish:`): every head's score, grade and rank, or only the commended
PUBLISH_FULL, PUBLISH_COMMENDATION = "full", "commendation"
PUBLISH_MODES = (PUBLISH_FULL, PUBLISH_COMMENDATION)
KPI_FIELDS = ("name", "block", "unit", "formula", "description", "points", "weight", "policy_text", "interpretation")
# Bounds of every number: generous for any real policy, tight enough that no value can make a
# score, a rank or a bonus absurd (scores and the cap are never negative: no negative bonus).
MAX_SCORE = 1000
MAX_VALUE = 1e9  # a KPI value on a scoring point (rates are decimals, satisfaction 0–100)
MAX_POINTS, MAX_GRADES = 50, 20
MAX_MINUTES, MAX_COUNT, MAX_YEARS = 1440, 10_000, 100
MAX_NAME, MAX_TEXT = 50, 1000  # characters of a name, of a formula or description
MAX_RATIO = 1000  # a plausibility bound: a rate (3.0 = 300 %) or a factor


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
    policy_text: str = ""  # the policy's own words for this indicator, verbatim (the handbook quotes them)
    interpretation: str = ""  # how these rules read those words, where the policy leaves a choice


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
        fewer = f"（等级为{self.grade}的业务所少于 {self.min_count} 个时全部授予）" if self.min_count > 1 else ""
        return (f"名额为年度考核等级为{self.grade}的业务所数的 {share}%，向下取整，至少 {self.min_count} 名{fewer}；"
                f"在等级为{self.grade}的业务所中按年度得分从高到低授予，名额边界上得分相同的业务所一并授予，"
                f"因此获得者可能多于名额，所占比例也可能超过 {share}%。")


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
PLAUSIBILITY_KEYS = tuple(f.name for f in fields(Plausibility))


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
    effective_from: str = ""  # the first quarter it applies to (`2026Q1`); "" = from the beginning
    publish: str = PUBLISH_FULL  # PUBLISH_FULL | PUBLISH_COMMENDATION: what the site shows (build.py)

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
        raw_bytes = read_bounded(path)
        text = raw_bytes.decode("utf-8")
        raw = load_yaml(text)
    except OSError as exc:
        raise PolicyError(f"无法读取政策配置文件 {path}：{os_reason(exc)}") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{path.name}：不是 UTF-8 编码的文本文件") from None
    except Refused as exc:
        raise PolicyError(f"{path.name}：{exc}") from None
    return parse_policy(raw, digest=hashlib.sha256(raw_bytes).hexdigest(), source=path.name)


def parse_policy(raw: Any, digest: str = "", source: str = "policy.yaml") -> Policy:
    """Build a Policy from already-parsed YAML data, checking every value's type and range."""
    r = _Reader(source)
    r.check(isinstance(raw, dict), "顶层应为键值对")
    r.known(raw, TOP_KEYS, "")
    blocks = _parse_blocks(r, r.mapping(raw, "blocks"))
    kpis_raw = r.mapping(raw, "kpis")
    unknown = [shown_text(str(k), 24) for k in kpis_raw if k not in KPI_KEYS]
    r.check(not unknown, f"kpis 中有未知指标 {'、'.join(unknown)}；可用的指标为 {'、'.join(KPI_KEYS)}")
    missing = [k for k in KPI_KEYS if k not in kpis_raw]
    r.check(not missing, f"kpis 缺少指标 {'、'.join(missing)}（不计分的指标请把权重设为 0）")
    kpis = {key: _parse_kpi(r, key, kpis_raw[key], blocks) for key in kpis_raw}
    for cycle in CYCLES:
        total = sum(k.weight[cycle] for k in kpis.values())
        if abs(total - 100) > 1e-9:
            detail = " + ".join(f"{k.name} {_num(k.weight[cycle])}" for k in kpis.values())
            r.check(False, f"{CYCLE_LABELS[cycle]}的权重之和应为 100，实际为 {_num(total)}（{detail}）")

    grades = tuple(_parse_grades(r, r.get(raw, "grades")))
    grade_names = {g.name for g in grades}
    bonus = _parse_bonus(r, r.mapping(raw, "bonus"), grade_names)
    inc = r.mapping(raw, "incentives")
    r.known(inc, ("special_award", "excellent_head", "promotion", "development"), "incentives")
    special, excellent, promotion, development = _parse_incentives(r, inc, blocks)
    for rule in (special, excellent, promotion, development):
        r.check(rule.grade in grade_names, f"激励“{rule.name}”要求的等级“{rule.grade}”不在 grades 中")

    informational = r.optional_mapping(raw, "informational")
    for key in informational:
        r.check(isinstance(key, str) and key != "", f"informational 的键应为非空文本，实际为 {shown(key)}")
        r.text(informational, key, "informational", MAX_NAME)
    return Policy(
        version=_parse_version(r, raw.get("version", "")),
        effective_from=_parse_effective_from(r, raw.get("effective_from")),
        digest=digest,
        meeting_minutes=r.integer(raw, "meeting_minutes", lo=1, hi=MAX_MINUTES, what="晨会分钟数"),
        blocks=blocks,
        kpis=kpis,
        informational=dict(informational),
        grades=grades,
        bonus=bonus,
        special_award=special,
        excellent_head=excellent,
        promotion=promotion,
        development=development,
        plausibility=parse_plausibility(raw.get("plausibility"), source),
        publish=_parse_publish(r, raw.get("publish", PUBLISH_FULL)),
    )


def _parse_publish(r: _Reader, value: Any) -> str:
    """`publish:` full (every head's score, grade and rank on the site) or commendation (only the
    honours and the 优秀 heads, the grade distribution and the company's KPIs)."""
    r.check(isinstance(value, str) and value in PUBLISH_MODES,
            f"publish 应为 {' 或 '.join(PUBLISH_MODES)}（full：公布全部所长的得分、等级和排名；commendation：只公布受表彰的所长），"
            f"实际为 {shown(value)}")
    return value


def _parse_version(r: _Reader, value: Any) -> str:
    ok = (isinstance(value, str) and len(value) <= MAX_NAME) or _is_number(value)
    r.check(ok, f"version 应为不超过 {MAX_NAME} 个字的文本或数字，实际为 {shown(value)}")
    return str(value)


def _parse_effective_from(r: _Reader, value: Any) -> str:
    """A quarter written `2026Q1` (quoted or not); absent = in force from the beginning."""
    if value is None:
        return ""
    ok = isinstance(value, str) and PERIOD_RE.match(value) is not None
    r.check(ok, f"effective_from（生效期间）应为 2026Q1 这样的季度，实际为 {shown(value)}")
    return value


def _parse_blocks(r: _Reader, raw: dict) -> dict[str, str]:
    r.check(bool(raw), "blocks 应至少有一个板块")
    for key in raw:
        r.check(isinstance(key, str) and key != "", f"blocks 的键应为非空文本，实际为 {shown(key)}")
    return {key: r.text(raw, key, "blocks", MAX_NAME) for key in raw}


def parse_plausibility(raw: Any, source: str = "policy.yaml") -> Plausibility:
    """The `plausibility:` section (optional, as is every key: a missing one keeps its default).

    Every bound is a ratio above 0 (a bound of 0 or below would flag every office, or none), the
    change factor above 1 (a factor of 1 flags any change at all), and the lower bound of
    attainment below its upper bound.
    """
    if raw is None:
        return DEFAULT_PLAUSIBILITY
    r = _Reader(source)
    r.check(isinstance(raw, dict), f"plausibility 应为键值对，实际为 {shown(raw)}")
    r.known(raw, PLAUSIBILITY_KEYS, "plausibility")
    values = {key: r.number(raw, key, "plausibility", lo=1 if key == "change_factor" else 0, hi=MAX_RATIO,
                            above=True)
              for key in raw}
    rules = Plausibility(**values)
    r.check(rules.attainment_min < rules.attainment_max,
            f"plausibility.attainment_min 应小于 plausibility.attainment_max，实际为 {_num(rules.attainment_min)} "
            f"和 {_num(rules.attainment_max)}")
    return rules


def _parse_kpi(r: _Reader, key: str, raw: Any, blocks: dict[str, str]) -> Kpi:
    where = f"kpis.{key}"
    r.check(isinstance(raw, dict), f"{where} 应为键值对，实际为 {shown(raw)}")
    r.known(raw, KPI_FIELDS, where)
    block = r.text(raw, "block", where, MAX_NAME)
    r.check(block in blocks, f"{where}.block 的板块“{block}”不在 blocks 中")
    points_raw = r.mapping(raw, "points", where)
    weight_raw = r.mapping(raw, "weight", where)
    r.known(points_raw, CYCLES, f"{where}.points")
    r.known(weight_raw, CYCLES, f"{where}.weight")
    points = {cycle: _parse_points(r, f"{where}.points.{cycle}", r.get(points_raw, cycle, f"{where}.points"))
              for cycle in CYCLES}
    weight = {cycle: r.number(weight_raw, cycle, f"{where}.weight", lo=0, hi=100) for cycle in CYCLES}
    unit = raw.get("unit", "percent")
    r.check(unit in ("percent", "score"), f"{where}.unit 应为 percent 或 score，实际为 {shown(unit)}")
    return Kpi(key=key, name=r.text(raw, "name", where, MAX_NAME), block=block, unit=unit,
               formula=r.text(raw, "formula", where, MAX_TEXT, required=False),
               description=r.text(raw, "description", where, MAX_TEXT, required=False),
               points=points, weight=weight,
               policy_text=r.text(raw, "policy_text", where, MAX_TEXT, required=False),
               interpretation=r.text(raw, "interpretation", where, MAX_TEXT, required=False))


def _parse_points(r: _Reader, where: str, raw: Any) -> tuple[tuple[float, float], ...]:
    """[[指标值, 得分], ...]: at least two, values increasing, scores within 0–MAX_SCORE (never negative:
    a negative score would make a negative bonus)."""
    r.check(isinstance(raw, list) and 2 <= len(raw) <= MAX_POINTS,
            f"{where} 应为 2 到 {MAX_POINTS} 个评分点的列表，实际为 {shown(raw)}")
    parsed = []
    for i, p in enumerate(raw, start=1):
        ok = isinstance(p, list) and len(p) == 2 and all(_is_number(x) for x in p)
        r.check(ok, f"{where} 第 {i} 个评分点应为 [指标值, 得分]，实际为 {shown(p)}")
        r.check(abs(p[0]) <= MAX_VALUE, f"{where} 第 {i} 个评分点的指标值应在 ±{_num(MAX_VALUE)} 之内，实际为 {shown(p[0])}")
        r.check(0 <= p[1] <= MAX_SCORE, f"{where} 第 {i} 个评分点的得分应在 0 到 {MAX_SCORE} 之间，实际为 {shown(p[1])}")
        parsed.append((float(p[0]), float(p[1])))
    for (a, _), (b, _) in zip(parsed, parsed[1:]):
        r.check(b > a, f"{where} 的指标值应从小到大排列，{_num(a)} 之后是 {_num(b)}")
    return tuple(parsed)


def _parse_grades(r: _Reader, raw: Any) -> list[Grade]:
    r.check(isinstance(raw, list) and 2 <= len(raw) <= MAX_GRADES, f"grades 应为 2 到 {MAX_GRADES} 个等级的列表")
    grades = []
    for i, g in enumerate(raw, start=1):
        where = f"grades 第 {i} 项"
        r.check(isinstance(g, dict) and "name" in g, f"{where}应为有 name 的键值对，实际为 {shown(g)}")
        r.known(g, ("name", "min"), where)
        name = r.text(g, "name", where, MAX_NAME)
        lo = g.get("min")
        r.check(lo is None or (_is_number(lo) and 0 <= lo <= MAX_SCORE),
                f"grades 中“{name}”的 min 应为 0 到 {MAX_SCORE} 之间的数字，实际为 {shown(lo)}")
        grades.append(Grade(name, None if lo is None else float(lo)))
    names = [g.name for g in grades]
    r.check(len(set(names)) == len(names), f"grades 中的等级名称应互不相同：{'、'.join(names)}")
    r.check(grades[-1].min is None, "grades 的最后一个等级应不设下限（min: null）")
    r.check(all(g.min is not None for g in grades[:-1]), "grades 中只有最后一个等级可以不设下限")
    mins = [g.min for g in grades[:-1]]
    r.check(all(a > b for a, b in zip(mins, mins[1:])), "grades 应按 min 从高到低排列")
    return grades


def _parse_bonus(r: _Reader, raw: dict, grade_names: set[str]) -> Bonus:
    """The cap is never below 0 and the points' scores neither, so no coefficient is negative."""
    r.known(raw, ("cap", "zero_grades"), "bonus")
    cap = r.number(raw, "cap", "bonus", lo=0, hi=MAX_SCORE)
    zero = raw.get("zero_grades")
    zero = [] if zero is None else zero
    r.check(isinstance(zero, list), f"bonus.zero_grades 应为等级名称的列表，实际为 {shown(zero)}")
    for i, g in enumerate(zero, start=1):
        r.check(isinstance(g, str), f"bonus.zero_grades 第 {i} 项应为等级名称，实际为 {shown(g)}")
        r.check(g in grade_names, f"bonus.zero_grades 中的等级“{shown_text(g, 20)}”不在 grades 中")
    return Bonus(cap=cap, zero_grades=tuple(zero))


def _parse_incentives(r: _Reader, inc: dict, blocks: dict[str, str]
                      ) -> tuple[SpecialAward, ExcellentHead, Promotion, Development]:
    def rule(key: str, fields: tuple[str, ...]) -> tuple[dict, str, str, str]:
        where = f"incentives.{key}"
        raw = r.mapping(inc, key, "incentives")
        r.known(raw, ("name", "grade", *fields), where)
        return raw, where, r.text(raw, "name", where, MAX_NAME), r.text(raw, "grade", where, MAX_NAME)

    sa, where, name, grade = rule("special_award", ("min_block_scores",))
    bounds = r.optional_mapping(sa, "min_block_scores", where)
    for b in bounds:
        r.check(b in blocks, f"{where}.min_block_scores 中的板块“{shown_text(str(b), 24)}”不在 blocks 中")
    special = SpecialAward(name, grade, {b: r.number(bounds, b, f"{where}.min_block_scores", lo=0, hi=MAX_SCORE)
                                         for b in bounds})
    eh, where, name, grade = rule("excellent_head", ("top_share", "min_count"))
    share = r.number(eh, "top_share", where)
    r.check(0 < share <= 1, f"{where}.top_share 应在 0 到 1 之间（大于 0），实际为 {shown(share)}")
    excellent = ExcellentHead(name, grade, share, r.integer(eh, "min_count", where, lo=0, hi=MAX_COUNT))
    pr, where, name, grade = rule("promotion", ("consecutive_years",))
    promotion = Promotion(name, grade, r.integer(pr, "consecutive_years", where, lo=1, hi=MAX_YEARS))
    _, _, name, grade = rule("development", ())
    return special, excellent, promotion, Development(name, grade)


def _is_number(x: Any) -> bool:
    """A finite int or float (YAML's .nan and .inf, booleans and over-long numbers are not)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _path(where: str, key: Any) -> str:
    """`kpis.growth.weight`, `grades 第 2 项的 min`: how a message names a key."""
    key = shown_text(str(key), 24)
    if not where:
        return key
    return f"{where}的 {key}" if where.endswith("项") else f"{where}.{key}"


class _Reader:
    """Small helpers that turn a missing, unknown or mistyped key into a PolicyError naming it."""

    def __init__(self, source: str):
        self.source = source

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            raise PolicyError(f"{self.source}：{message}")

    def get(self, raw: dict, key: str, where: str = "") -> Any:
        self.check(key in raw, f"缺少 {_path(where, key)}")
        return raw[key]

    def known(self, raw: dict, allowed: tuple[str, ...], where: str) -> None:
        """A misspelt key would otherwise be ignored silently (and its default used)."""
        unknown = [shown_text(str(k), 24) for k in raw if k not in allowed]
        self.check(not unknown, f"{where + ' 中' if where else ''}有未知的配置项 {'、'.join(unknown)}；"
                                f"可用的配置项为 {'、'.join(allowed)}")

    def mapping(self, raw: dict, key: str, where: str = "") -> dict:
        value = self.get(raw, key, where)
        self.check(isinstance(value, dict), f"{_path(where, key)} 应为键值对，实际为 {shown(value)}")
        return value

    def optional_mapping(self, raw: dict, key: str, where: str = "") -> dict:
        return self.mapping(raw, key, where) if raw.get(key) is not None else {}

    def text(self, raw: dict, key: str, where: str = "", limit: int = MAX_NAME, required: bool = True) -> str:
        value = raw.get(key)
        if value is None and not required:
            return ""
        ok = isinstance(value, str) and (value.strip() != "" or not required) and len(value) <= limit
        self.check(ok, f"{_path(where, key)} 应为{'非空' if required else ''}文本（不超过 {limit} 个字），"
                       f"实际为 {shown(value)}")
        return value

    def number(self, raw: dict, key: str, where: str = "", lo: float | None = None, hi: float | None = None,
               above: bool = False) -> float:
        """A finite number within lo–hi; with `above`, strictly above lo (a bound of 0 means nothing)."""
        value = self.get(raw, key, where)
        ok = (_is_number(value) and (lo is None or value > lo or (value == lo and not above))
              and (hi is None or value <= hi))
        self.check(ok, f"{_path(where, key)} 应为{_range(lo, hi, above)}数字，实际为 {shown(value)}")
        return float(value)

    def integer(self, raw: dict, key: str, where: str = "", lo: int = 0, hi: int = 0, what: str = "") -> int:
        value = self.get(raw, key, where)
        ok = _is_number(value) and float(value).is_integer() and lo <= value <= hi
        label = f"{_path(where, key)}（{what}）" if what else f"{_path(where, key)} "
        self.check(ok, f"{label}应为{_range(lo, hi)}整数，实际为 {shown(value)}")
        return int(value)


def _range(lo: float | None, hi: float | None, above: bool = False) -> str:
    if above and lo is not None:
        return f"大于 {_num(lo)}" + (f"、不超过 {_num(hi)} 的" if hi is not None else " 的")
    if lo is not None and hi is not None:
        return f" {_num(lo)} 到 {_num(hi)} 之间的"
    if lo is not None:
        return f"不小于 {_num(lo)} 的"
    return ""
