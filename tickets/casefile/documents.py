"""The case file's documents: the xlsx workbook and the printable page, written from what
casefile.export collected (in the site's language). Ratings and figures are shown as the page
shows them (casefile.selectors): the latest rating, "no answer" only as how a ticket closed.
"""

import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from enterprises.models import Enterprise
from tickets.casefile.selectors import how_closed, rating_label
from tickets.models import (
    EventKind,
    Ticket,
    TicketEvent,
    Visit,
)
from tickets.spreadsheets import put_cell

# Sheet names are part of the file's contract (people and macros look them up by name), and the
# export is always written in the site's language, Chinese.
SHEET_PROFILE = "企业档案"
SHEET_TICKETS = "诉求清单"
SHEET_TIMELINE = "办理记录"
SHEET_VISITS = "走访记录"

_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E8F0FA")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


def local(value):
    """An aware datetime as a naive Asia/Shanghai one, to the second (what a spreadsheet cell holds)."""
    if value is None:
        return None
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None, microsecond=0)


def _label(field_name, model=Ticket):
    return capfirst(model._meta.get_field(field_name).verbose_name)


def _event_from_to(event):
    """What an event changed: a status or supervision level, or for an approved extension the due
    dates. A request, a refusal or a withdrawal changed no due date (the page says so too): their
    dates are in the note's context, not in these columns."""
    if event.from_state or event.to_state:
        return event.from_state_label, event.to_state_label
    if event.kind == EventKind.EXTENSION_APPROVED and isinstance(event.data, dict):
        return str(event.data.get("from") or ""), str(event.data.get("to") or "")
    return "", ""


def liaison_text(liaisons):
    return "、".join(f"{person} ({person.phone})" if person.phone else str(person) for person in liaisons)


def ticket_columns():
    """(name, header, width, kind, value) of the ticket list; kind is text, wrap, date or datetime."""
    return [
        ("reference", _label("reference"), 16, "text", lambda t: t.reference),
        ("title", _label("title"), 36, "wrap", lambda t: t.title),
        ("category", _label("category"), 14, "text", lambda t: t.category.name),
        ("status", _label("status"), 10, "text", lambda t: t.get_status_display()),
        ("priority", _label("priority"), 8, "text", lambda t: t.get_priority_display()),
        ("channel", _label("channel"), 10, "text", lambda t: t.get_channel_display()),
        ("submitted_at", _label("submitted_at"), 17, "datetime", lambda t: local(t.submitted_at)),
        ("department", _label("department"), 18, "text", lambda t: t.department.name if t.department_id else ""),
        ("due_date", _label("due_date"), 12, "date", lambda t: t.due_date),
        ("signed_at", _label("signed_at"), 17, "datetime", lambda t: local(t.signed_at)),
        ("resolved_at", _label("resolved_at"), 17, "datetime", lambda t: local(t.resolved_at)),
        ("closed_at", _label("closed_at"), 17, "datetime", lambda t: local(t.closed_at)),
        ("result", _label("result"), 40, "wrap", lambda t: t.result),
        ("rating", _label("latest_rating"), 12, "text", rating_label),
        ("how_closed", _("How closed"), 16, "text", how_closed),
        ("supervision_level", _label("supervision_level"), 12, "text", lambda t: t.get_supervision_level_display()),
    ]


def event_columns(references, actor_label):
    """The timeline's columns; `actor_label(event)` names who made it, as the reader may see it."""
    return [
        ("created_at", _label("created_at", TicketEvent), 17, "datetime", lambda e: local(e.created_at)),
        ("reference", _label("reference"), 16, "text", lambda e: references.get(e.ticket_id, "")),
        ("kind", _label("kind", TicketEvent), 16, "text", lambda e: e.get_kind_display()),
        ("actor", _label("actor", TicketEvent), 18, "text", lambda e: str(actor_label(e))),
        ("from_state", _label("from_state", TicketEvent), 12, "text", lambda e: _event_from_to(e)[0]),
        ("to_state", _label("to_state", TicketEvent), 12, "text", lambda e: _event_from_to(e)[1]),
        ("note", _label("note", TicketEvent), 60, "wrap", lambda e: e.note),
    ]


def visit_columns(references_by_visit):
    """The liaison visits' columns; the people met as the reader may see them (`people_shown`)."""
    return [
        ("visited_on", _label("visited_on", Visit), 12, "date", lambda v: v.visited_on),
        ("liaison", _label("liaison", Visit), 18, "text", lambda v: str(v.liaison)),
        ("people_met", _label("people_met", Visit), 24, "wrap", lambda v: v.people_shown),
        ("discussion", _label("discussion", Visit), 60, "wrap", lambda v: v.discussion),
        ("tickets", _("Problems raised"), 20, "wrap", lambda v: "、".join(references_by_visit.get(v.pk, []))),
    ]


def _references_by_visit(tickets):
    references = {}
    for ticket in tickets:
        if ticket.visit_id is not None:
            references.setdefault(ticket.visit_id, []).append(ticket.reference)
    return references


# --------------------------------------------------------------------------------------------
# the workbook
# --------------------------------------------------------------------------------------------


def _put(sheet, row, column, value, kind="text"):
    cell = put_cell(sheet, row=row, column=column, value=value)
    if kind == "date" and value is not None:
        cell.number_format = _DATE_FORMAT
    elif kind == "datetime" and value is not None:
        cell.number_format = _DATETIME_FORMAT
    if kind == "wrap":
        cell.alignment = _WRAP
    else:
        cell.alignment = _TOP
    return cell


def _table(sheet, columns, items):
    for index, (_name, header, width, _kind, _value) in enumerate(columns, start=1):
        cell = _put(sheet, 1, index, str(header))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row, item in enumerate(items, start=2):
        for index, (_name, _header, _width, kind, value) in enumerate(columns, start=1):
            _put(sheet, row, index, value(item), kind)
    sheet.freeze_panes = "B2"
    if items:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(items) + 1}"


def profile_rows(data):
    """(label, value) pairs of the company profile, shared by the workbook and the page."""
    e = data.enterprise
    return [
        (_label("name", Enterprise), e.name),
        (_label("credit_code", Enterprise), e.credit_code),
        (_label("industry", Enterprise), e.industry.name),
        (_label("district", Enterprise), e.district.name),
        (_label("size", Enterprise), e.get_size_display()),
        (_label("address", Enterprise), e.address),
        (_("Contact"), str(data.contact)),
        (_label("liaisons", Enterprise), liaison_text(data.liaisons)),
    ]


def figure_rows(data):
    """(label, count) of the case file's figures below the status counts, shared by the workbook
    and the page: the same figures as the company file's page."""
    file = data.file
    return [
        (_("Open"), file.open),
        (_("Overdue"), file.overdue),
        (_("Rated"), file.rated),
        (_("Satisfied or basically satisfied"), file.satisfied),
    ]


def write_workbook(data):
    """The xlsx file's bytes: profile, ticket list, merged timeline, liaison visits."""
    workbook = Workbook()
    profile = workbook.active
    profile.title = SHEET_PROFILE
    profile.column_dimensions["A"].width = 22
    profile.column_dimensions["B"].width = 60
    _put(profile, 1, 1, data.enterprise.name).font = _TITLE_FONT
    row = 2
    _put(profile, row, 1, _("Exported at")).font = _HEADER_FONT
    _put(profile, row, 2, local(data.generated_at), "datetime").alignment = Alignment(horizontal="left")
    row += 1
    _put(profile, row, 1, _("Exported for")).font = _HEADER_FONT
    _put(profile, row, 2, f"{data.export.requested_by} · {data.export.requested_by.get_role_display()}")
    row += 2
    for label, value in profile_rows(data):
        _put(profile, row, 1, str(label)).font = _HEADER_FONT
        _put(profile, row, 2, value, "wrap")
        row += 1
    row += 1
    for column, text in enumerate((_("Status"), _("Tickets")), start=1):
        cell = _put(profile, row, column, text)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for label, count in data.status_counts:
        row += 1
        _put(profile, row, 1, str(label))
        _put(profile, row, 2, count).alignment = Alignment(horizontal="left")
    row += 1
    _put(profile, row, 1, _("Total")).font = _HEADER_FONT
    total = _put(profile, row, 2, len(data.tickets))
    total.font = _HEADER_FONT
    total.alignment = Alignment(horizontal="left")
    for label, count in figure_rows(data):
        row += 1
        _put(profile, row, 1, str(label))
        _put(profile, row, 2, count).alignment = Alignment(horizontal="left")
    profile.freeze_panes = "A2"  # the company's name stays in view

    _table(workbook.create_sheet(SHEET_TICKETS), ticket_columns(), data.tickets)
    references = {t.pk: t.reference for t in data.tickets}
    _table(workbook.create_sheet(SHEET_TIMELINE), event_columns(references, data.actor_label), data.events)
    _table(workbook.create_sheet(SHEET_VISITS), visit_columns(_references_by_visit(data.tickets)), data.visits)

    for sheet in workbook.worksheets:
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "1:1" if sheet.title != SHEET_PROFILE else None
    workbook.properties.title = f"{data.enterprise.name} {SHEET_PROFILE}"
    workbook.properties.creator = str(settings.APP_NAME)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# the printable page
# --------------------------------------------------------------------------------------------


def _text(value, kind):
    if value is None or value == "":
        return ""
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == "date":
        return value.isoformat()
    return str(value)


def _list_cell(column, ticket):
    _header, _width, kind, value = column
    value = value(ticket)
    if kind == "datetime" and value is not None:  # dates only in the list; times are in the facts below
        return value.date().isoformat()
    return _text(value, kind)


# The ticket list on the page: fewer columns than the workbook, to fit A4 portrait.
_PAGE_LIST_FIELDS = ("reference", "title", "category", "status", "department", "submitted_at", "due_date", "closed_at")
# Facts shown under each ticket's heading (reference, title and result are shown apart).
_PAGE_FACT_SKIP = ("reference", "title", "result")


def render_printable(data):
    """A standalone HTML page (inline CSS, no external assets) for printing on A4."""
    by_name = {name: (header, width, kind, value) for name, header, width, kind, value in ticket_columns()}
    references = {t.pk: t.reference for t in data.tickets}
    ev_columns = event_columns(references, data.actor_label)
    events_by_ticket = {t.pk: [] for t in data.tickets}
    for event in data.events:
        events_by_ticket[event.ticket_id].append(
            [_text(value(event), kind) for name, _h, _w, kind, value in ev_columns if name != "reference"]
        )
    tickets = []
    for t in data.tickets:
        tickets.append(
            {
                "reference": t.reference,
                "title": t.title,
                "result": t.result,
                "status": t.status,
                "supervision": t.supervision_level,
                "row": [_list_cell(by_name[name], t) for name in _PAGE_LIST_FIELDS],
                "facts": [
                    (header, _text(value(t), kind))
                    for name, (header, _w, kind, value) in by_name.items()
                    if name not in _PAGE_FACT_SKIP and _text(value(t), kind)
                ],
                # The ticket's own timeline, without the reference column (its heading says it).
                "events": events_by_ticket[t.pk],
            }
        )
    return render_to_string(
        "exports/case_file_print.html",
        {
            "enterprise": data.enterprise,
            "profile": profile_rows(data),
            "status_counts": data.status_counts,
            "total": len(data.tickets),
            "figures": figure_rows(data),
            "list_headers": [by_name[name][0] for name in _PAGE_LIST_FIELDS],
            "event_headers": [header for name, header, *_rest in ev_columns if name != "reference"],
            "tickets": tickets,
            "event_count": len(data.events),
            "visit_headers": [header for _n, header, *_rest in visit_columns({})],
            "visits": [
                [_text(value(v), kind) for _n, _h, _w, kind, value in visit_columns(_references_by_visit(data.tickets))]
                for v in data.visits
            ],
            "generated_at": _text(local(data.generated_at), "datetime"),
            "requested_by": data.export.requested_by,
            "LANGUAGE_CODE": settings.LANGUAGE_CODE,
        },
    )
