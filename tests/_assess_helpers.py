"""Hand-built Table / WorkbookFacts / Dataset objects for the pure KPI, scoring and assessment tests.

Facts go through `aggregates.summarise`, so their figures are exactly what reading would give.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.engine.model import Dataset, Office, Reference, Target
from pipeline.intake.aggregates import summarise
from pipeline.intake.facts import Table, WorkbookFacts

SHEETS = {"recruitment": "roster", "training": "trainings", "clients": "clients", "projects": "projects"}
SHA = "ab" * 32


def table(*dicts: dict[str, Any], first: int = 2) -> Table:
    """A Table of rows numbered from Excel row `first` (the header is row 1); absent keys are blank."""
    keys = list(dict.fromkeys(k for d in dicts for k in d))
    return Table(tuple(range(first, first + len(dicts))), {k: [d.get(k) for d in dicts] for k in keys})


def workbook(form_id: str, office: str, period: str, data: list[dict[str, Any]], sheet: str | None = None,
             extra: dict[str, Table] | None = None) -> WorkbookFacts:
    """The facts of one read form with its main sheet's rows, summarised as the reader does."""
    tables = {sheet or SHEETS[form_id]: table(*data), **(extra or {})}
    return summarise(WorkbookFacts(path=f"submissions/{period}/{office}/{form_id}.xlsx", sha256=SHA,
                                   form_id=form_id, version="1.0", office_id=office, period=period, tables=tables))


def member(eid: str, joined: date | None, left: date | None = None, rating: str | None = "良好") -> dict:
    return {"employee_id": eid, "name": "成员", "join_date": joined, "leave_date": left, "rating": rating}


def client(cid: str, sales: float | None, satisfaction: float | None = None, kind: str = "老客户",
           complaints: int | None = 0, resolved: int | None = 0) -> dict:
    return {"client_id": cid, "name": "客户", "client_type": kind, "sales": sales, "satisfaction": satisfaction,
            "complaints": complaints, "resolved_complaints": resolved}


def training(tid: str, status: str | None) -> dict:
    return {"training_id": tid, "name": "培训", "planned_date": date(2026, 1, 10), "status": status}


def project(pid: str, planned: date, actual: date | None, budget: float | None = None, cost: float | None = None) -> dict:
    return {"project_id": pid, "name": "项目", "start_date": date(2025, 12, 1), "planned_end": planned,
            "actual_end": actual, "budget": budget, "cost": cost}


def office_quarter(office: str, period: str, sales: list[float], members: list[dict] | None = None,
                   trainings: list[str] | None = None, satisfaction: list[float | None] | None = None,
                   forms: tuple[str, ...] = ("recruitment", "training", "clients", "projects")) -> dict:
    """The four workbooks of one office-quarter keyed like Dataset.submissions."""
    sat = satisfaction or [None] * len(sales)
    members = members if members is not None else [member("E1", date(2020, 1, 1))]
    data = {
        "recruitment": [*members],
        "training": [training(f"T{i}", s) for i, s in enumerate(trainings or ["已完成"])],
        "clients": [client(f"C{i}", s, sat[i]) for i, s in enumerate(sales)],
        "projects": [project("P1", date(2026, 12, 31), None)],
    }
    return {(period, office, f): workbook(f, office, period, data[f]) for f in forms}


def dataset(offices: list[str], targets: dict[tuple[str, str], Target], submissions: dict,
            findings: list | None = None, bases: dict[str, float] | None = None) -> Dataset:
    """A Dataset as `engine.dataset.assemble` would have produced it."""
    ref = Reference(
        offices={o: Office(o, f"{o}所", head="所长", region="华北", bonus_base=(bases or {}).get(o, 10000.0))
                 for o in offices},
        targets=targets,
        facts=WorkbookFacts(path="reference.xlsx", sha256="cd" * 32, form_id="reference", version="1.0"),
        target_rows=set(targets),
    )
    # assemble lists every workbook's own findings among the data set's: what is wrong with a file
    # is what keeps its office-period from being scored
    own = [f for facts in submissions.values() for f in facts.findings]
    return Dataset(data_dir="data", reference=ref, submissions=submissions,
                   workbooks=sorted(submissions.values(), key=lambda f: f.path), findings=[*(findings or []), *own])


def target(office: str, period: str, sales_target: float = 100.0, prior: float | None = 100.0,
           market: float | None = 1000.0, row: int = 2) -> Target:
    return Target(office, period, sales_target, prior, market, row)
