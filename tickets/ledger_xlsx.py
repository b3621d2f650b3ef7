"""The ledger (包联台账) as an xlsx workbook: one sheet, a row per company, every cell through
tickets.spreadsheets.put_cell (a company's name is text, never a formula)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tickets.selectors.ledger import Ledger
from tickets.spreadsheets import put_cell


def ledger_workbook(ledger: Ledger) -> bytes:
    """The xlsx file's bytes, in the reader's language."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = _("Liaison ledger")[:31]
    put_cell(sheet, row=1, column=1, value=_("Liaison ledger")).font = Font(bold=True, size=14)
    put_cell(sheet, row=2, column=1, value=_("Liaison official"))
    put_cell(sheet, row=2, column=2, value=str(ledger.liaison))
    put_cell(sheet, row=3, column=1, value=_("Quarter"))
    put_cell(sheet, row=3, column=2, value=f"{ledger.quarter.label} ({ledger.quarter.start:%Y-%m-%d} — {ledger.quarter.end:%Y-%m-%d})")
    put_cell(sheet, row=4, column=1, value=_("Visits per company per quarter"))
    put_cell(sheet, row=4, column=2, value=ledger.quarter.quota)
    headers = [
        _("Company"),
        _("District"),
        _("Last visit"),
        _("Visits this quarter"),
        _("Quota"),
        _("Behind quota"),
        _("Problems raised"),
        _("Open"),
        _("Open problems"),
    ]
    for column, header in enumerate(headers, start=1):
        put_cell(sheet, row=6, column=column, value=header).font = Font(bold=True)
    for offset, row in enumerate(ledger.rows, start=7):
        values = [
            row.enterprise.name,
            row.enterprise.district.name,
            row.last_visit,
            row.visits_this_quarter,
            row.quota,
            _("yes") if row.behind else _("no"),
            row.problems_raised,
            row.problems_open,
            "; ".join(f"{t.reference} {t.title} ({t.get_status_display()})" for t in row.open_problems),
        ]
        for column, value in enumerate(values, start=1):
            cell = put_cell(sheet, row=offset, column=column, value=value)
            if column == 3 and value is not None:
                cell.number_format = "yyyy-mm-dd"
    for column, width in enumerate([36, 12, 12, 10, 8, 10, 10, 8, 60], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "B7"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
