"""Writing a cell of an xlsx workbook (openpyxl): the one rule for every workbook the site makes
(the leadership report, the case file)."""

from django.utils.functional import Promise
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet


def put_cell(sheet: Worksheet, *, row: int, column: int, value: object) -> Cell:
    """Write `value` into the cell at (`row`, `column`) and return the cell.

    Text stays text: a name or title typed by a person (``=HYPERLINK(…)``, ``+1``, ``-2``,
    ``@SUM(…)``, ``#N/A``) is a text cell, never a formula or an error value, and loses the
    control characters a worksheet cannot hold. A lazy translation is written as its text.
    Numbers, dates and None are written as they are.
    """
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
