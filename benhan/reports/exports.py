"""CSV and xlsx of one figure: the table under its chart, raw numbers (no thousands separators)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

from .figures import Figure, Value


def _cell(value: Value) -> Value:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def header(figure: Figure) -> list[str]:
    return [str(c.label) for c in figure.columns]


def table(figure: Figure) -> list[list[Value]]:
    return [[_cell(row.get(c.key)) for c in figure.columns] for row in figure.rows]


def to_csv(figure: Figure) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opened by double click shows Vietnamese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header(figure))
    for row in table(figure):
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(figure: Figure) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = figure.key
    sheet.append(header(figure))
    for row in table(figure):
        sheet.append(row)
    for column in sheet.columns:
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = max(12, *(len(str(c.value or "")) + 2 for c in column))
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
