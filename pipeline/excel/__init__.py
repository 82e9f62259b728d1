"""The only openpyxl / python-calamine code: blank templates, filling, reading, annotating.

Modules are imported directly (`from pipeline.excel.blank import build_workbook`) so that
importing one does not pull in the others.
"""
