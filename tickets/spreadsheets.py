"""Writing a cell of an xlsx workbook (openpyxl): the one rule for every workbook the site makes
(the leadership report, the case file, the ticket list)."""

from django.utils.functional import Promise
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet


def _value(value: object) -> object:
    """What a cell holds: a lazy translation as its text, text without the control characters a
    worksheet cannot hold; anything else as it is."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def put_cell(sheet: Worksheet, *, row: int, column: int, value: object) -> Cell:
    """Write `value` into the cell at (`row`, `column`) and return the cell.

    Text stays text: a name or title typed by a person (``=HYPERLINK(…)``, ``+1``, ``-2``,
    ``@SUM(…)``, ``#N/A``) is a text cell, never a formula or an error value, and loses the
    control characters a worksheet cannot hold. A lazy translation is written as its text.
    Numbers, dates and None are written as they are.
    """
    value = _value(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def row_cells(sheet: object, values: list[object]) -> list[WriteOnlyCell]:
    """The cells of one row of a write-only sheet (a long list written as it is read, without
    holding the workbook in memory), by put_cell's rule: text stays text."""
    cells = []
    for value in values:
        value = _value(value)
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    return cells
