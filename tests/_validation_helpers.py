"""Helpers shared by the validation tests (checks, validate CLI, annotate, intake)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from _assess_helpers import table

from pipeline.intake.aggregates import summarise
from pipeline.intake.facts import WorkbookFacts

ROOT = Path(__file__).resolve().parents[1]

GOOD_ROWS = {
    "recruitment": {
        "hiring": [{"position": "客户经理", "planned": 2, "hired": 1, "channel": "社会招聘", "status": "进行中"}],
        "roster": [
            {"employee_id": "E1", "name": "成员甲", "join_date": date(2024, 7, 1), "rating": "良好"},
            {"employee_id": "E2", "name": "成员乙", "join_date": date(2025, 3, 1), "rating": "合格"},
        ],
    },
    "training": {
        "trainings": [{"training_id": "T1", "name": "谈判技巧", "method": "内部课程", "planned_date": date(2026, 2, 15),
                       "actual_date": date(2026, 2, 16), "status": "已完成"}],
    },
    "clients": {
        "clients": [
            {"client_id": "C1", "name": "甲公司", "client_type": "老客户", "sales": 300, "satisfaction": 4.5},
            {"client_id": "C2", "name": "乙公司", "client_type": "新客户", "sales": 250, "satisfaction": 4},
        ],
    },
    "projects": {
        "projects": [{"project_id": "P1", "name": "项目一", "client_id": "C1", "stage": "执行",
                      "start_date": date(2026, 1, 10), "planned_end": date(2026, 6, 30)}],
    },
}
FORM_IDS = ("recruitment", "training", "clients", "projects")


def good_office(make_workbook, period: str = "2026Q1", office: str = "BJ01", skip: tuple[str, ...] = ()) -> list[Path]:
    """Write the four office forms, filled correctly, for one office-period."""
    return [make_workbook(form_id, f"submissions/{period}/{office}/{form_id}.xlsx", rows=GOOD_ROWS[form_id])
            for form_id in FORM_IDS if form_id not in skip]


def hand_workbook(path: str, form_id: str | None, office: str | None = None, period: str | None = None,
               **tables: list[dict]) -> WorkbookFacts:
    """The facts of a workbook built by hand (rows from Excel row 2), summarised as reading would, for the pure checks."""
    facts = WorkbookFacts(path=path, form_id=form_id, version="1.0", office_id=office, period=period,
                          tables={key: table(*items) for key, items in tables.items()})
    return summarise(facts)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m pipeline ARGS` in a subprocess, text output, never a TTY."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=300)
