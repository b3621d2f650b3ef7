"""The leadership report as an xlsx workbook: the headline figures, then one sheet per breakdown
(the department ranking followed by the departments that only co-handled, unranked), with
Chinese headers (the site's language). Every cell through tickets.spreadsheets.put_cell: a
department, category, district or industry named "=…" is text, never a formula."""

import io
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tickets.reports.numbers import HANDLING_PLACES, PERCENT_PLACES, shown_rate
from tickets.spreadsheets import put_cell

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E8F0FA")
# The rate cells hold the rate as shown (rounded once from its fraction): 0.545 shown as 54.5%.
_PERCENT = "0." + "0" * PERCENT_PLACES + "%"
# The handling time as the page shows it: 2.0, not 2.
_HANDLING = "0." + "0" * HANDLING_PLACES


def _value(value, is_rate):
    if value is None:
        return "—"
    if is_rate:
        return float(shown_rate(value))
    return value if isinstance(value, int) else float(value)


def write_row(sheet, row, values):
    """Write `values` into row `row` from column A; the cells, in order."""
    return [put_cell(sheet, row=row, column=column, value=value) for column, value in enumerate(values, start=1)]


def figure_cell(sheet, row, column, value, is_rate):
    cell = put_cell(sheet, row=row, column=column, value=_value(value, is_rate))
    if is_rate and value is not None:
        cell.number_format = _PERCENT
    elif isinstance(value, Decimal):
        cell.number_format = _HANDLING
    return cell


def header_row(sheet, row, titles):
    """The header row at `row`, the rows above it and its first column kept in view."""
    for column, cell in enumerate(write_row(sheet, row, titles), start=1):
        cell.font, cell.fill = _BOLD, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = 22 if column == 1 else 12
    sheet.freeze_panes = f"B{row + 1}"


def _table(sheet, first_title, rows, columns, with_rank=False):
    header_row(sheet, 1, ([_("Rank")] if with_rank else []) + [first_title] + [label for _key, label, _figure, _rate in columns])
    for number, row in enumerate(rows, start=2):
        labels = write_row(sheet, number, ([row["rank"]] if with_rank else []) + [row["label"]])
        for column, (key, _label, _figure, is_rate) in enumerate(columns, start=len(labels) + 1):
            figure_cell(sheet, number, column, row[key], is_rate)


def workbook(args, data):
    """The xlsx file's bytes."""
    with translation.override(settings.LANGUAGE_CODE):
        book = Workbook()
        summary = book.active
        summary.title = _("Summary")[:31]
        [title] = write_row(summary, 1, [_("Leadership report")])
        title.font = Font(bold=True, size=14)
        write_row(summary, 2, [_("Period"), f"{args['start']:%Y-%m-%d} — {args['end']:%Y-%m-%d}"])
        row = 3
        for key in ("department", "category", "district", "industry"):
            if args.get(key) is not None:
                write_row(summary, row, [args[key]._meta.verbose_name, str(args[key])])
                row += 1
        row += 1  # a blank row before the figures
        header_row(summary, row, [_("Figure"), _("Value"), _("Numerator"), _("Denominator")])
        for card in data["cards"]:
            row += 1
            put_cell(summary, row=row, column=1, value=card["label"])
            figure_cell(summary, row, 2, card["value"], card["is_rate"])
            put_cell(summary, row=row, column=3, value=card["numerator"])
            put_cell(summary, row=row, column=4, value=card["denominator"])
        summary.column_dimensions["A"].width = 30
        columns = data["columns"]
        # The departments that only co-handled follow the ranked ones, unranked.
        departments = data["ranking"] + [{**row, "rank": "—"} for row in data.get("co_handling_only", [])]
        _table(book.create_sheet(_("Department ranking")[:31]), _("Department"), departments, columns, with_rank=True)
        for _key, title, rows in data["breakdowns"]:
            _table(book.create_sheet(str(title)[:31]), title, rows, columns)
        _table(book.create_sheet(_("By month")[:31]), _("Month"), data["by_month"], columns)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
