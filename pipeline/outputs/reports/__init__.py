"""考核确认单: one A4 PDF per office-period for the head and HR to sign (WeasyPrint), rendered from Results.

    content.py  Results -> Report records (the card, KPIs with the distance to the next grade,
                bonus, honours, adjustments and appeals, source files)
    pdf.py      a Report -> HTML (Jinja, templates/) -> PDF bytes
    naming.py   safe file names: `北京一所-2026Q4-考核确认单.pdf`

Rendering only: pipeline.reports writes the files.
"""

from __future__ import annotations

from .content import KpiRow, Report, SourceFile, distance_text, reports
from .naming import SUFFIX, file_name, file_names, numbered, safe_part
from .pdf import render_html, render_pdf

__all__ = ["SUFFIX", "KpiRow", "Report", "SourceFile", "distance_text", "file_name", "file_names", "numbered",
           "render_html", "render_pdf", "reports", "safe_part"]
