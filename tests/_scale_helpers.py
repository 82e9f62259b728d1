"""Helpers for the scale tests: a small synthetic company with a few real problems in it."""

from __future__ import annotations

from pathlib import Path

from pipeline import synth
from pipeline.forms import CLIENTS

OFFICES = 3
YEARS = (2026,)
BROKEN = "submissions/2026Q2/SH001/training.xlsx"  # not a workbook at all
BAD_CELL = "submissions/2026Q3/GZ001/clients.xlsx"  # one sales figure typed as words


def small_company(data_dir: Path, make_workbook=None) -> synth.Company:
    """3 offices × 4 quarters × 4 forms from the generator, plus a broken file and a bad cell."""
    company = synth.generate_company(data_dir, offices=OFFICES, years=YEARS, workers=1)
    (data_dir / BROKEN).write_bytes(b"this is not a zip file at all")
    if make_workbook is not None:
        make_workbook("clients", BAD_CELL, rows={"clients": [
            {"client_id": "C1", "name": "客户甲", "sales": "十二"},
            {"client_id": "C2", "name": "客户乙", "sales": 30, "satisfaction": 4.5},
        ]})
    return company


def change_sales(data_dir: Path, index: int = 0, period: str = "2026Q4") -> Path:
    """Rewrite one clients workbook with its first client's sales raised by 1 (万元)."""
    path = synth.submission_path(data_dir, index, period, CLIENTS)
    path.write_bytes(synth.office_workbook(CLIENTS, index, period, variant=1))
    return path


def outputs(out_dir: Path) -> dict[str, bytes]:
    return {name: (out_dir / name).read_bytes() for name in ("scorecards.csv", "validation.json")}


def csv_row(out_dir: Path, period: str, office_id: str) -> dict[str, str]:
    import csv

    with (out_dir / "scorecards.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row["period"] == period and row["office_id"] == office_id:
                return row
    raise KeyError((period, office_id))
