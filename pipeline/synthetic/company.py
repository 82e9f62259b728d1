"""A fictional company as rows: what its office heads type into the forms, quarter after quarter.

Pure: functions return row dicts; `write.py` turns them into workbooks. Every random stream is
seeded by (seed, office, stream), so the same arguments give the same rows, whichever process
makes them. Names, companies and phones come from Faker(zh_CN): fictional data only.

The sample is built so that every KPI, grade and N/A case of the scoring appears (see SPECIALS):
strong offices (优秀 both years, 年终特别奖励, 晋升优先), average ones, weak ones (不合格), a quarter
with nobody rated, one with no trainings, one with no client surveyed, a blank 市场规模, and an
office that has not sent its last quarter's projects and training forms.

`Volume` says how much each office writes: `DEMO` (the sample and `demo`) or `BENCH`, the
benchmark's realistic sizes (roster ~30, training ~20, clients ~100, projects ~15 a quarter).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from faker import Faker

from ..periods import Period

# ---------------------------------------------------------------------------------------------
# Generation parameters (all in one place)

CITIES = (("BJ", "北京", "华北"), ("SH", "上海", "华东"), ("GZ", "广州", "华南"), ("SZ", "深圳", "华南"),
          ("HZ", "杭州", "华东"), ("CD", "成都", "西南"), ("WH", "武汉", "华中"), ("NJ", "南京", "华东"),
          ("XA", "西安", "西北"), ("CQ", "重庆", "西南"), ("TJ", "天津", "华北"), ("SU", "苏州", "华东"))
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Profile:
    """How an office performs; ranges are (low, high) drawn uniformly each quarter."""

    attainment: tuple[float, float]
    growth: tuple[float, float]
    share: tuple[float, float]
    base_sales: tuple[int, int]  # 万元 per quarter in the first year
    team: tuple[int, int]
    leave_prob: float  # per member and quarter
    max_leavers_per_year: int
    pass_prob: float  # chance a rated member is rated 合格 or better
    training_done: float  # chance a training is 已完成
    satisfaction: float  # mean 满意度评分 of surveyed clients


PROFILES = {
    "strong": Profile((1.10, 1.25), (0.12, 0.20), (0.12, 0.15), (600, 900), (16, 22), 0.02, 1, 1.0, 1.0, 4.7),
    "good": Profile((0.88, 0.98), (0.00, 0.06), (0.07, 0.09), (400, 700), (12, 20), 0.04, 3, 0.90, 0.85, 4.3),
    "fair": Profile((0.78, 0.90), (-0.05, 0.03), (0.06, 0.08), (300, 500), (10, 16), 0.07, 5, 0.82, 0.70, 4.1),
    "weak": Profile((0.45, 0.58), (-0.25, -0.10), (0.03, 0.05), (200, 400), (9, 14), 0.16, 99, 0.55, 0.45, 3.5),
}
# Office i gets PROFILE_ORDER[i % 12]: even 3 offices cover strong, average and weak.
PROFILE_ORDER = ("strong", "good", "weak", "fair", "strong", "good", "fair", "good", "strong", "fair", "weak", "good")
SEASON = (0.9, 1.0, 1.05, 1.15)
SURVEY_PROB = 0.75
POSITIONS = ("客户经理", "高级客户经理", "项目经理", "业务助理", "分析师", "销售代表")
LEAVE_REASONS = ("个人发展", "家庭原因", "薪酬待遇", "转岗至其他部门", "合同到期", "继续深造")
INDUSTRIES = ("制造业", "零售", "金融", "医疗", "教育", "物流", "能源", "互联网", "房地产", "政府机构")
TRAINING_NAMES = ("大客户谈判技巧", "新员工入职培训", "产品知识更新", "合规与风险控制", "项目管理基础", "客户服务礼仪",
                  "数据分析入门", "销售漏斗管理", "商务写作", "团队协作工作坊", "财务知识基础", "行业政策解读")
TRAINING_METHODS = ("内部课程", "外部专家讲座", "在线学习", "岗位带教")
CHANNELS = ("校园招聘", "社会招聘", "内部推荐", "猎头", "其他")
STAGES = ("启动", "执行", "验收", "总结", "已关闭")


@dataclass(frozen=True)
class Volume:
    """How much each office writes a quarter (ranges drawn uniformly), and what the data set holds."""

    clients: tuple[int, int] = (10, 40)
    trainings: tuple[int, int] = (3, 8)
    projects: tuple[int, int] = (3, 10)
    team: tuple[int, int] | None = None  # None: the size its profile gives
    missing_forms: bool = True  # one office has not sent its last quarter's projects and training
    head_change: bool = True  # 所长任职 rows, and one office changes head at a quarter boundary
    # Team members and client contacts are drawn from a pool of names that never share a 所长's
    # name or a part of it, three characters at least (people_apart): with 1,000 published names,
    # a two-character name turns up by chance where published names and words meet in a page's
    # text, and the privacy gate (rightly for real data) would refuse the site.
    distinct_names: bool = False
    reviews: bool = True  # reviews.xlsx: one adjustment after review and the appeal it settled


DEMO = Volume()
BENCH = Volume(clients=(90, 110), trainings=(16, 24), projects=(12, 18), team=(24, 32), missing_forms=False,
               distinct_names=True, head_change=False, reviews=False)


@dataclass(frozen=True)
class Specials:
    """Which office-periods carry the deliberate edge cases (indices into the office list)."""

    edge_office: int  # nobody rated, no trainings, no survey, blank market size, last/first-day moves
    missing_office: int  # has not submitted the last quarter's projects and training forms
    nobody_rated: str
    no_trainings: str
    no_survey: str
    no_market_size: str
    leave_last_day: str  # someone leaves on this quarter's last day …
    join_first_day: str  # … and someone joins on the next quarter's first day
    missing: tuple[str, tuple[str, ...]]  # (period, form ids not submitted)
    head_office: int = 0  # changes head: a strong office, whose new head does not inherit 晋升优先
    head_change: str = ""  # the first quarter of the new head (Q2 of the last year)


def specials_for(n_offices: int, periods: list[Period]) -> Specials:
    """Place the edge cases so they exist for any number of offices ≥ 1 and any years."""
    profiles = [PROFILE_ORDER[i % len(PROFILE_ORDER)] for i in range(n_offices)]
    edge = 1 if n_offices > 1 else 0
    # The missing forms make an office-year incomplete: never take it from a strong office.
    missing = max((i for i, p in enumerate(profiles) if p != "strong"), default=n_offices - 1)
    p = [str(x) for x in periods]
    first, last = p[: 4], p[-4:]
    strong = [i for i, name in enumerate(profiles) if name == "strong"]
    return Specials(edge, missing, nobody_rated=first[1 % len(first)], no_trainings=first[2 % len(first)],
                    no_survey=last[0], no_market_size=last[1 % len(last)], leave_last_day=p[0],
                    join_first_day=p[1 % len(p)], missing=(p[-1], ("projects", "training")),
                    head_office=strong[1] if len(strong) > 1 else n_offices - 1, head_change=last[1 % len(last)])


# ---------------------------------------------------------------------------------------------
# Pure generation


@dataclass
class OfficeData:
    """One office: its reference row, target rows and, per period, the rows of each form."""

    office: dict[str, Any]
    profile: str
    targets: list[dict[str, Any]] = field(default_factory=list)
    forms: dict[str, dict[str, dict[str, list[dict]]]] = field(default_factory=dict)  # period -> form -> rows
    covers: dict[str, dict[str, Any]] = field(default_factory=dict)


@functools.cache
def _faker() -> Faker:
    # Building a Faker costs far more than reseeding one; a reseeded instance draws as a new one.
    return Faker("zh_CN")


def seeded_faker(seed: str) -> Faker:
    """This process's Faker(zh_CN), reseeded: draws the same values as a new one seeded so."""
    fake = _faker()
    fake.seed_instance(seed)
    return fake


def office_list(n: int, seed: int) -> list[dict[str, Any]]:
    """The offices: ids BJ01, SH01 … then BJ02 …, Chinese names, Faker heads, regions, bonus bases."""
    fake = seeded_faker(f"{seed}:offices")
    rng = random.Random(f"{seed}:offices")
    offices = []
    for i in range(n):
        code, city, region = CITIES[i % len(CITIES)]
        number = i // len(CITIES) + 1
        name_number = NUMERALS[number - 1] if number <= len(NUMERALS) else str(number)
        offices.append({"office_id": f"{code}{number:02d}", "office_name": f"{city}{name_number}所",
                        "head": fake.name(), "region": region, "bonus_base": rng.randrange(20000, 40001, 1000)})
    return offices


def _rng(seed: int, office_id: str, stream: str) -> random.Random:
    return random.Random(f"{seed}:{office_id}:{stream}")


def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


Namer = Callable[[], str]
PEOPLE_POOL = 3000  # names for team members and contacts when they must stay apart from the heads


def people_apart(heads: list[str], seed: int, size: int = PEOPLE_POOL) -> tuple[str, ...]:
    """Distinct people's names of three characters or more, none inside a 所长's name nor holding one."""
    head_set = set(heads)
    parts = {h[i:j] for h in head_set for i in range(len(h)) for j in range(i + 2, len(h) + 1)}

    def apart(name: str) -> bool:
        if len(name) < 3 or name in parts:
            return False
        return not any(name[i:j] in head_set for i in range(len(name)) for j in range(i + 2, len(name) + 1))

    fake = seeded_faker(f"{seed}:people")
    people: dict[str, None] = {}  # ordered and distinct
    while len(people) < size:
        name = fake.name()
        if apart(name):
            people[name] = None
    return tuple(people)


def person_namer(fake: Faker, people: tuple[str, ...] | None) -> Namer:
    """Draws people's names: from `fake` itself, or from the `people` pool with `fake`'s seeded stream."""
    if people is None:
        return fake.name
    return lambda: people[fake.random.randrange(len(people))]


def roster_rows(office_id: str, profile: Profile, periods: list[Period], sp: Specials, edge: bool,
                seed: int, name: Namer, team: tuple[int, int] | None = None,
                ) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """(hiring plan rows, roster rows) per period, carrying the team from quarter to quarter."""
    rng = _rng(seed, office_id, "team")
    size = rng.randint(*(team or profile.team))
    members: list[dict] = []
    seq = 0

    def new_member(join: date) -> dict:
        nonlocal seq
        seq += 1
        return {"employee_id": f"{office_id}-E{seq:03d}", "name": name(), "position": rng.choice(POSITIONS),
                "join_date": join, "leave_date": None, "leave_reason": None}

    members = [new_member(_day(rng, date(2015, 1, 1), periods[0].start - timedelta(days=30))) for _ in range(size)]
    hiring: dict[str, list[dict]] = {}
    roster: dict[str, list[dict]] = {}
    left_this_year: dict[int, int] = {}
    for period in periods:
        key = str(period)
        present = list(members)
        for m in present:
            capped = left_this_year.get(period.year, 0) >= profile.max_leavers_per_year
            if not capped and rng.random() < profile.leave_prob:
                m["leave_date"] = _day(rng, period.start, period.end)
                m["leave_reason"] = rng.choice(LEAVE_REASONS)
                left_this_year[period.year] = left_this_year.get(period.year, 0) + 1
        if edge and key == sp.leave_last_day:
            stayer = next((m for m in present if m["leave_date"] is None), None)
            if stayer:
                stayer["leave_date"], stayer["leave_reason"] = period.end, rng.choice(LEAVE_REASONS)
        staying = sum(1 for m in present if m["leave_date"] is None)
        n_hires = max(0, size - staying) + (1 if rng.random() < 0.2 else 0)
        if edge and key == sp.join_first_day:
            n_hires = max(n_hires, 1)
        hires = [new_member(_day(rng, period.start, period.end)) for _ in range(n_hires)]
        if edge and key == sp.join_first_day:
            hires[0]["join_date"] = period.start
        rows = []
        for m in present + hires:
            joined_now = m["join_date"] >= period.start
            if (edge and key == sp.nobody_rated) or (joined_now and m["join_date"] > period.start + timedelta(days=30)):
                rating = "未考核"
            elif rng.random() < profile.pass_prob:
                rating = rng.choices(("优秀", "良好", "合格"), (3, 5, 2))[0]
            else:
                rating = rng.choice(("待改进", "不合格"))
            rows.append({**{k: m[k] for k in ("employee_id", "name", "position", "join_date")},
                         "leave_date": m["leave_date"], "leave_reason": m["leave_reason"], "rating": rating})
        roster[key] = rows
        hiring[key] = _hiring_rows(rng, n_hires)
        members = [m for m in present + hires if m["leave_date"] is None]
    return hiring, roster


def _hiring_rows(rng: random.Random, n_hires: int) -> list[dict]:
    """The quarter's hiring plan; the hires it records are the ones who joined the roster."""
    positions = rng.sample(POSITIONS, rng.randint(1, 3))
    hired = [0] * len(positions)
    for _ in range(n_hires):
        hired[rng.randrange(len(positions))] += 1
    rows = []
    for position, n in zip(positions, hired):
        planned = max(1, n + rng.choice((0, 0, 0, 1, 2)))
        status = "已完成" if n == planned else rng.choices(("进行中", "已取消"), (6, 1 if n == 0 else 0))[0]
        rows.append({"position": position, "planned": planned, "hired": n, "channel": rng.choice(CHANNELS),
                     "requirements": rng.choice(("本科及以上，两年以上相关经验", "大专及以上，沟通能力强",
                                                 "本科及以上，熟悉行业客户", "硕士优先，具备数据分析能力")),
                     "status": status})
    return rows


def training_rows(profile: Profile, period: Period, *, none: bool, force_cancel: bool,
                  rng: random.Random, count: tuple[int, int] = DEMO.trainings) -> list[dict]:
    """The quarter's training plan; `none` gives an empty plan (training_rate N/A)."""
    if none:
        return []
    rows = []
    n = rng.randint(*count)
    for i in range(1, n + 1):
        planned_date = _day(rng, period.start, period.end - timedelta(days=7))
        if force_cancel and i == n:
            status = "已取消"
        elif rng.random() < profile.training_done:
            status = "已完成"
        else:
            status = rng.choice(("进行中", "未开始", "已取消"))
        planned_n = rng.randint(5, 20)
        done = status == "已完成"
        rows.append({"training_id": f"T{period}-{i:02d}", "name": rng.choice(TRAINING_NAMES),
                     "method": rng.choice(TRAINING_METHODS), "planned_date": planned_date,
                     "planned_attendees": planned_n,
                     "actual_date": min(planned_date + timedelta(days=rng.randint(0, 6)), period.end) if done else None,
                     "actual_attendees": max(0, planned_n - rng.randint(0, 3)) if done else None,
                     "hours": rng.choice((1.5, 2, 3, 4, 6, 8)), "status": status})
    return rows


def client_rows(period: Period, wanted_sales: float, profile: Profile, pool: list[dict], must: set[str], *,
                surveyed: bool, rng: random.Random, fake: Faker, name: Namer,
                count: tuple[int, int] = DEMO.clients) -> list[dict]:
    """The quarter's clients, drawn from the office's growing pool; amounts sum to ~wanted_sales."""
    n = rng.randint(*count)
    returning = [c for c in pool if c["client_id"] in must]
    others = [c for c in pool if c["client_id"] not in must]
    returning += rng.sample(others, min(len(others), max(0, int(n * 0.7) - len(returning))))
    new = []
    while len(returning) + len(new) < n:
        new.append({"client_id": f"C{len(pool) + len(new) + 1:04d}", "name": fake.company(),
                    "industry": rng.choice(INDUSTRIES), "contact": name(), "phone": fake.phone_number()})
    pool.extend(new)
    chosen = sorted(returning, key=lambda c: c["client_id"]) + new
    weights = [rng.lognormvariate(0, 0.8) for _ in chosen]
    total = sum(weights)
    rows = []
    for c, w in zip(chosen, weights):
        complaints = rng.choices((0, 1, 2, 3), (12, 4, 2, 1))[0]
        score = None
        if surveyed and rng.random() < SURVEY_PROB:
            score = round(min(5.0, max(1.0, rng.gauss(profile.satisfaction, 0.3))), 1)
        rows.append({**c, "client_type": "新客户" if c in new else "老客户",
                     "sales": round(wanted_sales * w / total, 2), "visits": rng.randint(0, 6),
                     "satisfaction": score, "complaints": complaints,
                     "resolved_complaints": complaints - (1 if complaints and rng.random() < 0.3 else 0)})
    return rows


def project_rows(period: Period, ongoing: list[dict], client_ids: list[str], year_seq: dict[int, int],
                 rng: random.Random, count: tuple[int, int] = DEMO.projects) -> list[dict]:
    """Projects carried over (advancing a stage or two) plus new ones, `count` in all."""
    rows = []
    for p in ongoing:
        p["stage"] = STAGES[min(len(STAGES) - 1, STAGES.index(p["stage"]) + rng.randint(0, 2))]
    for _ in range(max(0, rng.randint(*count) - len(ongoing))):
        year_seq[period.year] = year_seq.get(period.year, 0) + 1
        start = _day(rng, period.start, period.end - timedelta(days=10))
        budget = round(rng.uniform(20, 300), 1)
        ongoing.append({"project_id": f"P{period.year}-{year_seq[period.year]:03d}",
                        "name": rng.choice(("数字化转型咨询", "年度审计支持", "市场调研", "系统实施", "流程优化",
                                            "培训服务", "渠道拓展", "品牌推广")) + "项目",
                        "client_id": rng.choice(client_ids), "stage": "启动", "start_date": start,
                        "planned_end": start + timedelta(days=rng.randint(45, 240)), "actual_end": None,
                        "budget": budget, "cost": 0.0, "acceptance": "未验收", "risks": 0})
    for p in ongoing:
        closing = p["stage"] in ("总结", "已关闭")
        if closing and p["actual_end"] is None:
            p["actual_end"] = _day(rng, max(p["start_date"], period.start), period.end)
        if p["stage"] in ("验收", "总结", "已关闭") and p["acceptance"] == "未验收":
            p["acceptance"] = rng.choices(("通过", "未通过"), (9, 1))[0]
        progress = STAGES.index(p["stage"]) / (len(STAGES) - 1)
        p["cost"] = round(p["budget"] * max(0.05, progress) * rng.uniform(0.8, 1.1), 1)
        p["risks"] = 0 if closing else rng.randint(0, 4)
        rows.append(dict(p))
    ongoing[:] = [p for p in ongoing if p["stage"] != "已关闭"]
    return rows


def office_data(index: int, office: dict[str, Any], periods: list[Period], sp: Specials, seed: int,
                volume: Volume = DEMO, people: tuple[str, ...] | None = None) -> OfficeData:
    """Everything one office submits over the periods, and its reference targets.

    `people`: the names team members and contacts are drawn from (`Volume.distinct_names`, see
    `people_apart`); None draws them from Faker.
    """
    oid = office["office_id"]
    name = PROFILE_ORDER[index % len(PROFILE_ORDER)]
    profile = PROFILES[name]
    edge = index == sp.edge_office
    fake = seeded_faker(f"{seed}:{oid}")
    person = person_namer(fake, people if volume.distinct_names else None)
    data = OfficeData(office, name)
    hiring, roster = roster_rows(oid, profile, periods, sp, edge, seed, person, volume.team)
    rng = _rng(seed, oid, "business")
    base = rng.randint(*profile.base_sales)
    pool: list[dict] = []
    ongoing: list[dict] = []
    year_seq: dict[int, int] = {}
    sales_by_period: dict[str, float] = {}
    for period in periods:
        key = str(period)
        last_year = sales_by_period.get(str(period.previous_year))
        growth = rng.uniform(*profile.growth)
        wanted = last_year * (1 + growth) if last_year else base * SEASON[period.quarter - 1] * rng.uniform(0.95, 1.05)
        must = {p["client_id"] for p in ongoing}
        clients = client_rows(period, wanted, profile, pool, must, surveyed=not (edge and key == sp.no_survey),
                              rng=rng, fake=fake, name=person, count=volume.clients)
        sales = round(sum(c["sales"] for c in clients), 2)
        sales_by_period[key] = sales
        projects = project_rows(period, ongoing, [c["client_id"] for c in clients], year_seq, rng, volume.projects)
        trainings = training_rows(profile, period, none=edge and key == sp.no_trainings,
                                  force_cancel=name == "weak" or (edge and key == str(periods[0])), rng=rng,
                                  count=volume.trainings)
        data.targets.append({
            "year": period.year, "quarter": f"Q{period.quarter}", "office_id": oid,
            "sales_target": round(sales / rng.uniform(*profile.attainment), 1),
            # HR states a prior only where there are no submissions of last year's quarter to use.
            "prior_sales": round(sales / (1 + growth), 1) if last_year is None else None,
            "market_size": None if edge and key == sp.no_market_size else round(sales / rng.uniform(*profile.share), 1),
        })
        forms = {"recruitment": {"hiring": hiring[key], "roster": roster[key]},
                 "training": {"trainings": trainings}, "clients": {"clients": clients},
                 "projects": {"projects": projects}}
        if volume.missing_forms and index == sp.missing_office and key == sp.missing[0]:
            forms = {k: v for k, v in forms.items() if k not in sp.missing[1]}
        data.forms[key] = forms
        data.covers[key] = {"office_id": oid, "period": key, "filled_by": head_in(index, office, key, sp, seed, volume),
                            "filled_on": period.end + timedelta(days=rng.randint(3, 12))}
    return data


# ---------------------------------------------------------------------------------------------
# Heads of office (reference.xlsx › 所长任职)


def successor(office: dict[str, Any], seed: int) -> str:
    """The fictional new head of the office that changes head (a name none of its heads had)."""
    fake = seeded_faker(f"{seed}:{office['office_id']}:successor")
    name = fake.name()
    while name == office["head"]:
        name = fake.name()
    return name


def head_in(index: int, office: dict[str, Any], period: str, sp: Specials, seed: int, volume: Volume = DEMO) -> str:
    """Who heads (and fills in the covers of) office `index` in `period`."""
    if volume.head_change and index == sp.head_office and period >= sp.head_change:
        return successor(office, seed)
    return office["head"]


# HR's reviewers in reviews.xlsx: a role, not an invented person (the sample's outputs print who approved)
REVIEW_APPROVER = REVIEW_HANDLER = "人力资源部经办人"
REVIEWED_SHARE = "10.0%"


def review_rows(offices: list[dict[str, Any]], sp: Specials) -> dict[str, list[dict[str, Any]]]:
    """reviews.xlsx: the edge office's quarter without a market size (市场占有率 N/A) gets one after
    review, settling the appeal its head filed ten days after the quarter ended."""
    office = offices[sp.edge_office]["office_id"]
    quarter = Period.parse(sp.no_market_size)
    filed, settled = quarter.end + timedelta(days=10), quarter.end + timedelta(days=20)
    adjustment = {"office_id": office, "period": str(quarter), "item": "市场占有率（指标值）", "original": "N/A",
                  "adjusted": REVIEWED_SHARE, "reason": "复核后取得该季度的市场规模，按本期销售额计算市场占有率",
                  "approved_by": REVIEW_APPROVER, "approved_on": settled}
    appeal = {"office_id": office, "period": str(quarter), "filed_on": filed,
              "matter": "本季度市场规模未填，市场占有率无法计算，请求补充后重新计分", "outcome": "已调整",
              "settled_on": settled, "handled_by": REVIEW_HANDLER}
    return {"adjustments": [adjustment], "appeals": [appeal]}


def head_rows(offices: list[dict[str, Any]], periods: list[Period], sp: Specials, seed: int) -> list[dict[str, Any]]:
    """所长任职: every head since before the first period; one office's changes at a quarter's start."""
    since = date(periods[0].year - 3, 1, 1)
    rows = []
    for i, office in enumerate(offices):
        row = {"office_id": office["office_id"], "head_id": f"H{1001 + i}", "head_name": office["head"], "start": since}
        if i == sp.head_office:
            start = Period.parse(sp.head_change).start
            rows += [{**row, "end": start - timedelta(days=1)},
                     {**row, "head_id": f"H{1001 + len(offices)}", "head_name": successor(office, seed), "start": start}]
        else:
            rows.append(row)
    return rows


def reference_offices(offices: list[dict[str, Any]], sp: Specials, seed: int, volume: Volume = DEMO
                      ) -> list[dict[str, Any]]:
    """The 业务所 rows: the 所长 column names the current head."""
    if not volume.head_change or not offices:
        return offices
    changed = dict(offices[sp.head_office], head=successor(offices[sp.head_office], seed))
    return [changed if i == sp.head_office else o for i, o in enumerate(offices)]


def periods_of(years: tuple[int, ...] | list[int]) -> list[Period]:
    """Every quarter of the years, in order."""
    return [Period(y, q) for y in sorted(years) for q in range(1, 5)]


def company(offices: int = 12, years: tuple[int, ...] = (2025, 2026), seed: int = 7,
            volume: Volume = DEMO) -> list[OfficeData]:
    """The whole fictional company as rows (pure: nothing is written)."""
    periods = periods_of(years)
    sp = specials_for(offices, periods)
    listed = office_list(offices, seed)
    people = people_for(listed, seed, volume)
    return [office_data(i, o, periods, sp, seed, volume, people) for i, o in enumerate(listed)]


def people_for(offices: list[dict[str, Any]], seed: int, volume: Volume) -> tuple[str, ...] | None:
    """The people's names pool a company of these offices draws from (None: straight from Faker)."""
    if not volume.distinct_names:
        return None
    heads = [o["head"] for o in offices] + ([successor(o, seed) for o in offices] if volume.head_change else [])
    return people_apart(heads, seed)


__all__ = [
    "review_rows",
    "BENCH", "DEMO", "PROFILES", "PROFILE_ORDER", "OfficeData", "Profile", "Specials", "Volume", "company",
    "head_in", "head_rows", "office_data", "office_list", "reference_offices", "successor", "people_apart", "people_for", "periods_of", "seeded_faker", "specials_for",
]


