"""A small hand-built `Results` for the site tests, and helpers to render Markdown like MkDocs does.

Three offices over two quarters and one (incomplete) year, with exact numbers the page tests
assert on, one office whose every text field is hostile, and findings that carry a private
value the pages must never show.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import markdown

from pipeline.engine.model import (
    INCOMPLETE,
    INVALID,
    SCORED,
    Dataset,
    KpiResult,
    Office,
    Reference,
    Results,
    Scorecard,
    Source,
    Target,
)
from pipeline.engine.policy import load_policy
from pipeline.findings import finding
from pipeline.intake.facts import WorkbookFacts

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_HEAD = "[x](javascript:alert(1))"
HOSTILE_REGION = "| a | b |"
HOSTILE_REASON = "{{ 7*7 }}"
PRIVATE_VALUE = "私密姓名九九"  # a value of a PII column: must never reach a page

MD_EXTENSIONS = ["abbr", "admonition", "attr_list", "md_in_html", "tables", "toc", "pymdownx.details",
                 "pymdownx.superfences"]


def to_html(text: str) -> str:
    """Markdown -> HTML with the site's extensions (what MkDocs would produce for the body)."""
    return markdown.markdown(text, extensions=MD_EXTENSIONS)


def _kpis(policy, cycle: str, values: dict[str, float | None], scores: dict[str, float | None],
          file: str) -> dict[str, KpiResult]:
    """KpiResults with weights from the policy and N/A weights shared out, as the engine does."""
    live = {k: policy.kpis[k].weight[cycle] for k, s in scores.items() if s is not None}
    total = sum(live.values()) or 1.0
    out = {}
    for key, kpi in policy.kpis.items():
        score = scores.get(key)
        eff = 100.0 * live.get(key, 0.0) / total
        out[key] = KpiResult(
            key=key, value=values.get(key), score=score, weight=kpi.weight[cycle], effective_weight=eff,
            contribution=None if score is None else eff * score / 100, reason="" if score is not None else "缺少数据",
            sources=(Source(file=file, sheet="客户", cells="G2:G9", template_version="1.0", what="本期销售额之和"),),
        )
    return out


def _card(policy, period: str, office: Office, values, scores, rank, file) -> Scorecard:
    cycle = "annual" if len(period) == 4 else "quarterly"
    kpis = _kpis(policy, cycle, values, scores, file)
    total = sum(k.contribution for k in kpis.values() if k.contribution is not None)
    return Scorecard(
        period=period, cycle=cycle, office_id=office.office_id, office_name=office.name, head=office.head,
        region=office.region, status=SCORED, sales=480.0, sales_target=500.0, kpis=kpis,
        block_scores={"business": 96.0, "team": 88.5, "customer": None}, score=total,
        grade=policy.grade_for(total), rank=rank, bonus_coefficient=min(total, 120) / 100, bonus_amount=31234.5,
    )


def sample_results(policy=None) -> Results:
    """The fixture Results: A01 ranks 1st in both quarters, B02 2nd; X99 (hostile) is invalid."""
    policy = policy or load_policy()
    offices = {
        "A01": Office("A01", "北京测试一所", "测试所长甲", "华北", bonus_base=30000),
        "B02": Office("B02", "上海测试二所", "测试所长乙", "华东", bonus_base=32000),
        "X99": Office("X99", HOSTILE_NAME, HOSTILE_HEAD, HOSTILE_REGION, bonus_base=99999),
    }
    targets = {(o, p): Target(o, p, 500.0) for o in offices for p in ("2026Q1", "2026Q2")}
    path = "submissions/2026Q1/X99/recruitment.xlsx"
    errors = [
        finding("required-blank", file=path, sheet="团队名册", cell="B5", row=5, column="姓名",
                office_id="X99", period="2026Q1"),
        finding("type-date", file=path, sheet="团队名册", cell="D7", row=7, column="入职日期",
                value=PRIVATE_VALUE, seen="（个人信息，已隐藏）", private=True, office_id="X99", period="2026Q1"),
        finding("value-normalised", file="submissions/2026Q1/A01/clients.xlsx", sheet="客户", cell="G3", row=3,
                column="本期销售额", seen="1,234", normalised="1234", value="1,234", office_id="A01",
                period="2026Q1"),
    ]
    wb_error = WorkbookFacts(path=path, form_id="recruitment", version="1.0", office_id="X99", period="2026Q1",
                             quarter="2026Q1", findings=tuple(errors[:2]))
    dataset = Dataset(data_dir="data", reference=Reference(offices=offices, targets=targets),
                      workbooks=[wb_error], findings=errors)
    for office_id in ("A01", "B02"):
        for form_id in ("recruitment", "training", "clients", "projects"):
            for period in ("2026Q1", "2026Q2"):
                if (office_id, form_id, period) == ("B02", "projects", "2026Q2"):
                    continue  # one missing submission for the board
                wb = WorkbookFacts(path=f"submissions/{period}/{office_id}/{form_id}.xlsx", form_id=form_id,
                                   version="1.0", office_id=office_id, period=period, quarter=period)
                dataset.submissions[(period, office_id, form_id)] = wb
                dataset.workbooks.append(wb)
    dataset.submissions[("2026Q1", "X99", "recruitment")] = wb_error
    dataset.workbooks.sort(key=lambda w: w.path)

    a_vals = {"attainment": 0.953, "growth": 0.12, "market_share": 0.08, "attrition": 0.05, "pass_rate": 0.9,
              "training_rate": 1.0, "satisfaction": 88.0}
    a_scores = {"attainment": 95.3, "growth": 104.0, "market_share": 80.0, "attrition": 83.33, "pass_rate": 85.71,
                "training_rate": 100.0, "satisfaction": 93.33}
    b_vals = dict(a_vals, attainment=0.8, growth=None)
    b_scores = dict(a_scores, attainment=80.0, growth=None)
    cards = []
    for period in ("2026Q1", "2026Q2"):
        cards.append(_card(policy, period, offices["A01"], a_vals, a_scores, 1,
                           f"submissions/{period}/A01/clients.xlsx"))
        cards.append(_card(policy, period, offices["B02"], b_vals, b_scores, 2,
                           f"submissions/{period}/B02/clients.xlsx"))
    cards.append(Scorecard(period="2026Q1", cycle="quarterly", office_id="X99", office_name=HOSTILE_NAME,
                           head=HOSTILE_HEAD, region=HOSTILE_REGION, status=INVALID, status_reason=HOSTILE_REASON))
    cards.append(Scorecard(period="2026Q2", cycle="quarterly", office_id="X99", office_name=HOSTILE_NAME,
                           head=HOSTILE_HEAD, region=HOSTILE_REGION, status=INVALID, status_reason="数据有误"))
    for o in offices.values():
        cards.append(Scorecard(period="2026", cycle="annual", office_id=o.office_id, office_name=o.name,
                               head=o.head, region=o.region, status=INCOMPLETE, status_reason="缺少第三、四季度"))
    cards.sort(key=lambda c: (c.period, c.office_id))
    return Results(policy=policy, dataset=dataset, scorecards=cards)


class SiteServer:
    """A built site served on 127.0.0.1 at an ephemeral port by a http.server thread."""

    def __init__(self, root: Path):
        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/"

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------------------------
# A small real data set (real .xlsx written from the specs) for the build and browser tests

SMALL_OFFICES = (
    # office_id, name, head, region, sales per client (万元), leavers per quarter
    ("BJ01", "北京测试一所", "测试所长甲", "华北", 130.0, 0),
    ("SH01", "上海测试二所", "测试所长乙", "华东", 100.0, 1),
    ("GZ01", "广州测试三所", "测试所长丙", "华南", 70.0, 2),
)
SMALL_PERIODS = ("2026Q1", "2026Q2")
LEAVE_REASON = "测试离职原因甲乙"  # PII: must never reach the site
CONTACT = "测试联系人丙丁"  # PII
PHONE = "13900001234"  # PII
# A deputy fills in the covers of one office-quarter (a cover-filler-not-head warning, the name private);
# every other cover is filled in by the office's head.
SMALL_DEPUTY = ("GZ01", "2026Q1", "测试填报人")


def write_small_reference(root: Path, periods: tuple[str, ...] = SMALL_PERIODS,
                          blank_market: frozenset[tuple[str, str]] = frozenset()) -> None:
    """The small data set's reference.xlsx; `blank_market`: (office, quarter)s without a 市场规模
    (their 市场占有率 is N/A)."""
    from conftest import write_form

    from pipeline.forms import REFERENCE

    offices = [{"office_id": o, "office_name": n, "head": h, "region": r, "bonus_base": 30000}
               for o, n, h, r, _, _ in SMALL_OFFICES]
    targets = [{"year": int(p[:4]), "quarter": p[4:], "office_id": o, "sales_target": 400, "prior_sales": 350,
                "market_size": None if (o, p) in blank_market else 4000} for p in periods for o, *_ in SMALL_OFFICES]
    write_form(REFERENCE, root / "reference.xlsx", rows={"offices": offices, "targets": targets})


def write_small_data(root: Path, periods: tuple[str, ...] = SMALL_PERIODS) -> Path:
    """Reference + four workbooks per office and quarter: every KPI computable, scores differ."""
    from datetime import date

    from conftest import write_form

    from pipeline.forms import get_form
    from pipeline.periods import Period

    write_small_reference(root, periods)
    for p_text in periods:
        period = Period.parse(p_text)
        for office_id, _name, head, _region, sales, leavers in SMALL_OFFICES:
            folder = root / "submissions" / p_text / office_id
            filler = SMALL_DEPUTY[2] if (office_id, p_text) == SMALL_DEPUTY[:2] else head
            cover = {"office_id": office_id, "period": p_text, "filled_by": filler, "filled_on": period.end}
            roster = [{"employee_id": f"E{i}", "name": f"测试成员{i}", "position": "客户经理",
                       "join_date": date(2024, 1, 1), "rating": "良好" if i % 4 else "待改进"} for i in range(1, 11)]
            for member in roster[:leavers]:
                member.update(leave_date=period.end, leave_reason=LEAVE_REASON)
            write_form(get_form("recruitment"), folder / "recruitment.xlsx", cover=cover, rows={
                "hiring": [{"position": "客户经理", "planned": 2, "hired": 1, "channel": "社会招聘", "status": "进行中"}],
                "roster": roster})
            write_form(get_form("training"), folder / "training.xlsx", cover=cover, rows={"trainings": [
                {"training_id": "T1", "name": "产品培训", "method": "内部课程", "planned_date": period.start,
                 "planned_attendees": 10, "actual_date": period.start, "actual_attendees": 9, "hours": 4,
                 "status": "已完成"},
                {"training_id": "T2", "name": "销售技巧", "method": "在线学习", "planned_date": period.end,
                 "planned_attendees": 10, "hours": 2, "status": "进行中" if leavers else "已完成",
                 **({} if leavers else {"actual_date": period.end, "actual_attendees": 8})}]})
            write_form(get_form("clients"), folder / "clients.xlsx", cover=cover, rows={"clients": [
                {"client_id": f"C{i}", "name": f"测试客户{i}", "client_type": "老客户", "industry": "制造",
                 "contact": CONTACT, "phone": PHONE, "sales": sales, "visits": 2, "satisfaction": 4.5 - leavers * 0.5,
                 "complaints": 1, "resolved_complaints": 1} for i in range(1, 4)]})
            write_form(get_form("projects"), folder / "projects.xlsx", cover=cover, rows={"projects": [
                {"project_id": "P1", "name": "测试项目", "client_id": "C1", "stage": "执行",
                 "start_date": period.start, "planned_end": period.end, "budget": 50, "cost": 40, "acceptance": "未验收",
                 "risks": 1}]})
    return root
