"""Reports written from Results: scorecards.csv and HR's hr-report.xlsx (injection-safe)."""

from .hr_workbook import write_hr_report
from .safe import spreadsheet_safe
from .scorecards import CSV_COLUMNS, write_scorecards_csv

__all__ = ["CSV_COLUMNS", "spreadsheet_safe", "write_hr_report", "write_scorecards_csv"]
