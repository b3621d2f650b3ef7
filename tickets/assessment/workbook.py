"""The monthly bulletin (tickets.selectors.bulletin) as an xlsx workbook: the city's figures, the
ranking of each group, the honour list, the red list with its red-carded tickets. Written in the
site's language, every cell through tickets.spreadsheets.put_cell."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from tickets.reports.xlsx import figure_cell, header_row, write_row
from tickets.selectors.bulletin import Bulletin, Line

Column = tuple[str, Any, bool]  # (figure key, its name, is a rate)


def _line_values(sheet: Any, row: int, first: Sequence[object], line: Line, line_columns: Sequence[Column]) -> None:
    cells = write_row(sheet, row, [*first, line.label, line.score])
    for column, (key, _name, is_rate) in enumerate(line_columns, start=len(cells) + 1):
        figure_cell(sheet, row, column, line.figures.get(key), is_rate)


def _title(sheet: Any, bulletin: Bulletin, heading: str) -> int:
    [title] = write_row(sheet, 1, [heading])
    title.font = Font(bold=True, size=14)
    edition = _("edition %(edition)s") % {"edition": bulletin.edition}
    write_row(sheet, 2, [f"{bulletin.month:%Y-%m}", edition, _("frozen at %(at)s") % {"at": f"{bulletin.frozen_at:%Y-%m-%d %H:%M}"}])
    if bulletin.reason:
        write_row(sheet, 3, [_("Reason for the correction"), bulletin.reason])
    return 5


def bulletin_workbook(bulletin: Bulletin, *, heading: str, city_columns: Sequence[Column], line_columns: Sequence[Column]) -> bytes:
    """The xlsx file's bytes."""
    with translation.override(settings.LANGUAGE_CODE):
        book = Workbook()
        summary = book.active
        summary.title = _("City figures")[:31]
        row = _title(summary, bulletin, heading)
        header_row(summary, row, [_("Figure"), _("Value")])
        for key, name, is_rate in city_columns:
            row += 1
            write_row(summary, row, [name])
            figure_cell(summary, row, 2, bulletin.city.get(key), is_rate)
        summary.column_dimensions["A"].width = 30

        ranking = book.create_sheet(_("Ranking")[:31])
        header_row(ranking, 1, [_("Group"), _("Rank"), _("Department"), _("Score"), *[name for _key, name, _rate in line_columns]])
        row = 1
        for group_ranking in bulletin.groups:
            for line in group_ranking.lines:
                row += 1
                _line_values(ranking, row, [group_ranking.group.name, line.rank], line, line_columns)
        for line in bulletin.ungrouped:
            row += 1
            _line_values(ranking, row, [_("Not in a group"), "—"], line, line_columns)

        lists = book.create_sheet(_("Honour and red lists")[:31])
        header_row(lists, 1, [_("List"), _("Group"), _("Rank"), _("Department"), _("Score"), *[name for _key, name, _rate in line_columns]])
        row = 1
        for title, entries in ((_("Honour list"), bulletin.honour_list), (_("Red list"), bulletin.red_list)):
            for group, line in entries:
                row += 1
                _line_values(lists, row, [title, group.name, line.rank], line, line_columns)

        red = book.create_sheet(_("Red-carded tickets")[:31])
        header_row(red, 1, [_("Reference"), _("Department")])
        for row, (reference, department) in enumerate(bulletin.red_tickets, start=2):
            write_row(red, row, [reference, department])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
