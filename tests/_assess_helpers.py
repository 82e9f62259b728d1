"""Hand-built Row / Workbook / Dataset objects for the pure KPI, scoring and assessment tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.model import Dataset, Office, Reference, Row, Target, Workbook

SHEETS = {"recruitment": "roster", "training": "trainings", "clients": "clients", "projects": "projects"}


def rows(*dicts: dict[str, Any], first: int = 2) -> list[Row]:
    """Rows numbered from Excel row `first` (the header is row 1)."""
    return [Row(first + i, dict(d)) for i, d in enumerate(dicts)]


def workbook(form_id: str, office: str, period: str, data: list[dict[str, Any]], sheet: str | None = None,
             extra: dict[str, list[Row]] | None = None) -> Workbook:
    """A read Workbook of one form with its main sheet's rows."""
    tables = {sheet or SHEETS[form_id]: rows(*data)}
    tables.update(extra or {})
    return Workbook(path=f"submissions/{period}/{office}/{form_id}.xlsx", sha256="ab" * 32, form_id=form_id,
                    version="1.0", office_id=office, period=period, tables=tables)


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
    """A Dataset as validation would have produced it."""
    ref = Reference(
        offices={o: Office(o, f"{o}所", head="所长", region="华北", bonus_base=(bases or {}).get(o, 10000.0))
                 for o in offices},
        targets=targets,
        workbook=Workbook(path="reference.xlsx", sha256="cd" * 32, form_id="reference", version="1.0"),
    )
    return Dataset(data_dir="data", reference=ref, submissions=submissions,
                   workbooks=list(submissions.values()), findings=list(findings or []))


def target(office: str, period: str, sales_target: float = 100.0, prior: float | None = 100.0,
           market: float | None = 1000.0, row: int = 2) -> Target:
    return Target(office, period, sales_target, prior, market, row)
