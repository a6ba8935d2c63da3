"""The report as files a verifier keeps: the summary as CSV, the rows as CSV, both as XLSX.

Every export opens with the same header (export_text.py) so a file read on its own still says
what it covers and how to check it. The PDF is the pdf package.
"""

from reports.export_text import generated_at, header_lines
from reports.exports.csv_export import BOM, rows_csv, summary_csv
from reports.exports.xlsx_export import workbook

__all__ = ["BOM", "generated_at", "header_lines", "rows_csv", "summary_csv", "workbook"]
