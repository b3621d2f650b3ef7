"""The leadership report as an xlsx workbook: the headline figures, then one sheet per breakdown,
with Chinese headers (the site's language)."""

import io

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tickets.reports.figures import PERCENT_PLACES, shown_rate

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E8F0FA")
# The rate cells hold the rate as shown (rounded once from its fraction): 0.545 shown as 54.5%.
_PERCENT = "0." + "0" * PERCENT_PLACES + "%"


def _cell(value, is_rate):
    if value is None:
        return "—"
    if is_rate:
        return float(shown_rate(value))
    return value if isinstance(value, int) else float(value)


def _header(sheet, titles):
    sheet.append(titles)
    for column, _title in enumerate(titles, start=1):
        cell = sheet.cell(row=sheet.max_row, column=column)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = 22 if column == 1 else 12
    sheet.freeze_panes = sheet.cell(row=sheet.max_row + 1, column=2)


def _table(sheet, first_title, rows, columns, with_rank=False):
    titles = ([_("Rank")] if with_rank else []) + [first_title] + [str(label) for _key, label, _figure, _rate in columns]
    _header(sheet, titles)
    for row in rows:
        values = ([row["rank"]] if with_rank else []) + [row["label"]] + [_cell(row[key], rate) for key, _label, _figure, rate in columns]
        sheet.append(values)
        offset = 2 if with_rank else 1
        for index, (_key, _label, _figure, rate) in enumerate(columns, start=offset + 1):
            if rate and row[columns[index - offset - 1][0]] is not None:
                sheet.cell(row=sheet.max_row, column=index).number_format = _PERCENT


def workbook(args, data):
    """The xlsx file's bytes."""
    with translation.override(settings.LANGUAGE_CODE):
        book = Workbook()
        summary = book.active
        summary.title = _("Summary")[:31]
        summary.append([_("Leadership report")])
        summary["A1"].font = Font(bold=True, size=14)
        summary.append([_("Period"), f"{args['start']:%Y-%m-%d} — {args['end']:%Y-%m-%d}"])
        for key in ("department", "category", "district", "industry"):
            if args.get(key) is not None:
                summary.append([str(args[key]._meta.verbose_name), str(args[key])])
        summary.append([])
        _header(summary, [_("Figure"), _("Value"), _("Numerator"), _("Denominator")])
        for card in data["cards"]:
            summary.append([str(card["label"]), _cell(card["value"], card["is_rate"]), card["numerator"], card["denominator"]])
            if card["is_rate"] and card["value"] is not None:
                summary.cell(row=summary.max_row, column=2).number_format = _PERCENT
        summary.column_dimensions["A"].width = 30
        columns = data["columns"]
        _table(book.create_sheet(_("Department ranking")[:31]), _("Department"), data["ranking"], columns, with_rank=True)
        for _key, title, rows in data["breakdowns"]:
            _table(book.create_sheet(str(title)[:31]), str(title), rows, columns)
        _table(book.create_sheet(_("By month")[:31]), _("Month"), data["by_month"], columns)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
