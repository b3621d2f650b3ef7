"""Ticket list exports: the ticket list as one person filtered it, as an xlsx workbook, built in
the background with its progress (tickets.models.TicketListExport).

The build reads the list again as its requester (tickets.selectors.ticket_list: the visibility
rule, DESIGN.md §6), so the file holds only the tickets they may see when it is built. It is
claimed, leased and failed exactly as a case file export is (tickets.casefile.export), so a
second run, a duplicate message or a re-queue writes nothing twice. The rows are written as
they are read (a write-only workbook over a chunked iterator): memory does not grow with the
list, and the queries are bounded. At most MAX_ROWS tickets: past that, the export is refused
and says to narrow the filters.
"""

import datetime
import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from tickets import background, workdays
from tickets.casefile.documents import local
from tickets.casefile.export import ExportRefused, _claim, _delete_files, _error_text, _fail, _held, _LeaseLost, _set_progress
from tickets.models import HANDLING_STATUSES, TicketListExport
from tickets.selectors.tickets import bounded_count, ticket_list
from tickets.spreadsheets import row_cells

logger = logging.getLogger(__name__)

State = TicketListExport.State

MAX_ROWS = 100_000
_CHUNK = 2_000
_DATES = ("submitted_from", "submitted_to")


def queue_build(export_id):
    """Ask a worker to build the export; if the broker cannot be reached it stays pending (the
    status page queues it again). Returns True if queued."""
    return background.enqueue(
        "tickets.build_ticket_list_export", export_id, failure="Could not queue ticket list export %(args)s; it stays pending"
    )


def stored_filters(values):
    """The list's cleaned filters (TicketListForm.selector_values) as the export stores them:
    a chosen category or department by its id, dates as YYYY-MM-DD, empty ones left out."""
    stored = {}
    for name, value in values.items():
        if value in (None, ""):
            continue
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        stored[name] = value
    return stored


def _selector_values(filters):
    values = dict(filters)
    for name in _DATES:
        if values.get(name):
            values[name] = datetime.date.fromisoformat(values[name])
    return values


def _columns(user):
    """(header, value of a ticket) of each column; the company's column is not on a company's
    own list, nor the department's on a department's."""
    columns = [
        (_("Reference"), lambda t, left: t.reference),
        (_("Title"), lambda t, left: t.title),
        (_("Company"), lambda t, left: t.enterprise.name),
        (_("Category"), lambda t, left: t.category.name),
        (_("Status"), lambda t, left: t.get_status_display()),
        (_("Supervision"), lambda t, left: t.get_supervision_level_display()),
        (_("Priority"), lambda t, left: t.get_priority_display()),
        (_("Department"), lambda t, left: t.department.name if t.department else ""),
        (_("Submitted at"), lambda t, left: local(t.submitted_at)),
        (_("Due date"), lambda t, left: t.due_date),
        (_("Working days left (negative: overdue)"), lambda t, left: left),
        (_("Resolved at"), lambda t, left: local(t.resolved_at)),
        (_("Closed at"), lambda t, left: local(t.closed_at)),
    ]
    dropped = {_("Company")} if user.is_company else {_("Department")} if user.is_department else set()
    return [(header, value) for header, value in columns if header not in dropped]


def build_ticket_list_export(export_id):
    """Build export `export_id` if it is still pending. Returns True if this call built it."""
    lease = _claim(export_id, TicketListExport)
    if lease is None:
        logger.info("Ticket list export %s is not pending: someone else is building it, or it is done", export_id)
        return False
    saved = []
    try:
        export = TicketListExport.objects.select_related("requested_by").get(pk=export_id)
        with translation.override(settings.LANGUAGE_CODE):
            content, rows, lease = _write(export, lease)
            stamp = local(timezone.now()).strftime("%Y%m%d-%H%M")
            export.xlsx.save(f"tickets-{stamp}.xlsx", ContentFile(content), save=False)
            saved.append(export.xlsx.name)
            finished = _held(export_id, lease, TicketListExport).update(
                state=State.DONE, progress=100, rows=rows, xlsx=export.xlsx.name, error="", finished_at=timezone.now()
            )
            if not finished:
                raise _LeaseLost
    except _LeaseLost:
        logger.warning("Ticket list export %s was taken over by another build; this one stops", export_id)
        _delete_files(saved)
        return False
    except ExportRefused as refused:
        logger.info("Ticket list export %s refused: %s", export_id, refused)
        _fail(export_id, lease, _error_text(refused), saved, TicketListExport)
        return False
    except Exception as error:  # noqa: BLE001 — recorded on the export; re-raising would retry forever
        logger.exception("Ticket list export %s failed", export_id)
        _fail(export_id, lease, _error_text(error), saved, TicketListExport)
        return False
    logger.info("Ticket list export %s built: %s tickets", export_id, rows)
    return True


def _write(export, lease):
    """The workbook's bytes, its number of rows and the renewed lease."""
    user = export.requested_by
    tickets = ticket_list(user, **_selector_values(export.filters))
    total = bounded_count(tickets, bound=MAX_ROWS)
    if total > MAX_ROWS:
        raise ExportRefused(_("The list holds more than %(n)s tickets: narrow it with the filters, then export again.") % {"n": MAX_ROWS})
    today = timezone.localdate()
    left = workdays.working_days_to(today, tickets.order_by().values_list("due_date", flat=True).distinct())
    columns = _columns(user)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Tickets"))
    sheet.append(row_cells(sheet, [header for header, _value in columns]))
    rows = 0
    for ticket in tickets.iterator(chunk_size=_CHUNK):
        days = left.get(ticket.due_date) if ticket.status in HANDLING_STATUSES and ticket.due_date else None
        sheet.append(row_cells(sheet, [value(ticket, days) for _header, value in columns]))
        rows += 1
        if rows % _CHUNK == 0:
            lease = _set_progress(export.pk, lease, min(95, 5 + 90 * rows // max(total, 1)), TicketListExport)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), rows, lease
