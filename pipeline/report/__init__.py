"""Reports written from Results: scorecards.csv and HR's hr-report.xlsx (injection-safe)."""

from .hr_workbook import start_hr_report, write_hr_report
from .safe import spreadsheet_safe
from .scorecards import CSV_COLUMNS, write_scorecards_csv

__all__ = ["CSV_COLUMNS", "spreadsheet_safe", "start_hr_report", "write_hr_report", "write_scorecards_csv"]
