"""Case file exports (一企一档导出): a company's file as an xlsx workbook and a printable page,
built in the background for one person and holding only what that person may see (DESIGN.md §6).

`build_case_file_export` is idempotent: it claims the export with a conditional UPDATE
(pending → running), so a second run, a duplicate message or a re-queue from the status page is a
no-op. The claim's `started_at` is its lease token: every later write is conditional on it, so a
build whose lease ran out and was taken over writes nothing more. Failures are recorded on the
export (state "failed", error text) and never re-raised, so the task is not retried endlessly.
The queries are bounded: their number does not depend on the number of tickets or events.
"""

import datetime
import io
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from enterprises.models import Enterprise

from . import notifications
from .models import (
    CaseFileExport,
    Notification,
    Status,
    SupervisionLevel,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)

State = CaseFileExport.State

# Sheet names are part of the file's contract (people and macros look them up by name), and the
# export is always written in the site's language, Chinese.
SHEET_PROFILE = "企业档案"
SHEET_TICKETS = "诉求清单"
SHEET_TIMELINE = "办理记录"

# A pending export whose task has not started after this long was probably lost (broker down):
# the status page queues it again.
REQUEUE_AFTER = datetime.timedelta(minutes=2)
# A build holds its export this long after its last progress (each step renews the lease); if its
# worker died, another build may then take it over.
BUILD_LEASE = datetime.timedelta(minutes=10)

_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E8F0FA")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


class ExportRefused(Exception):
    """The requester may no longer see the company: nothing is built."""


class _LeaseLost(Exception):
    """Another build took the export over after this one's lease ran out."""


# Errors are stored as "Type: message" for the log and the admin; only our own refusals are
# written for the requester, anything else may hold internals (SQL errors, storage paths).
_REFUSED_PREFIX = f"{ExportRefused.__name__}: "


def _error_text(error):
    return f"{type(error).__name__}: {error}"


def shown_error(export):
    """The failure text the requester may read: a refusal's own message, else None."""
    if export.state == State.FAILED and export.error.startswith(_REFUSED_PREFIX):
        return export.error[len(_REFUSED_PREFIX) :]
    return None


# --------------------------------------------------------------------------------------------
# queueing
# --------------------------------------------------------------------------------------------


def queue_build(export_id):
    """Ask a worker to build the export. If the broker cannot be reached the export stays
    pending (the status page says so and queues it again later). Returns True if queued."""
    from . import tasks

    try:
        tasks.build_case_file_export.delay(export_id)
    except Exception:  # noqa: BLE001 — a broker failure means "later", never an error page
        logger.warning("Could not queue case file export %s; it stays pending", export_id, exc_info=True)
        return False
    return True


def is_stale(export, now=None):
    """A pending export nobody started within REQUEUE_AFTER, or a build whose lease ran out
    (its worker died): either should be queued again."""
    now = now or timezone.now()
    if export.state == State.PENDING:
        return export.created_at < now - REQUEUE_AFTER
    return export.state == State.RUNNING and export.started_at is not None and export.started_at < now - BUILD_LEASE


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------


def _held(export_id, lease):
    """The export while this build still holds it (its lease token unchanged)."""
    return CaseFileExport.objects.filter(pk=export_id, state=State.RUNNING, started_at=lease)


def _set_progress(export_id, lease, progress):
    """Record progress and renew the lease, so a long but live build is not taken over. Returns
    the new lease token; raises _LeaseLost if another build has taken the export over."""
    renewed = timezone.now()
    if not _held(export_id, lease).update(progress=progress, started_at=renewed):
        raise _LeaseLost
    return renewed


def _claim(export_id):
    """Take the export if it is pending or its build's lease ran out. Returns the lease token
    (the claim's started_at), or None if someone else holds it or it is finished."""
    now = timezone.now()
    claimable = Q(state=State.PENDING) | Q(state=State.RUNNING, started_at__lt=now - BUILD_LEASE)
    claimed = CaseFileExport.objects.filter(claimable, pk=export_id).update(state=State.RUNNING, progress=1, started_at=now)
    return now if claimed else None


def build_case_file_export(export_id):
    """Build export `export_id` if it is still pending. Returns True if this call built it."""
    lease = _claim(export_id)
    if lease is None:
        logger.info("Case file export %s is not pending: someone else is building it, or it is done", export_id)
        return False
    saved = []
    try:
        export = CaseFileExport.objects.select_related("enterprise", "requested_by").get(pk=export_id)
        with translation.override(settings.LANGUAGE_CODE):
            data = collect(export)
            lease = _set_progress(export_id, lease, 10)
            workbook = write_workbook(data)
            lease = _set_progress(export_id, lease, 60)
            page = render_printable(data)
            lease = _set_progress(export_id, lease, 80)
            stamp = local(data.generated_at).strftime("%Y%m%d-%H%M")
            base = f"{data.enterprise.credit_code}-{stamp}"
            export.xlsx.save(f"{base}.xlsx", ContentFile(workbook), save=False)
            saved.append(export.xlsx.name)
            export.printable.save(f"{base}.html", ContentFile(page.encode("utf-8")), save=False)
            saved.append(export.printable.name)
            lease = _set_progress(export_id, lease, 90)
            # "Done" and the requester's notification are written together, or neither is.
            with transaction.atomic():
                finished = _held(export_id, lease).update(
                    state=State.DONE,
                    progress=100,
                    xlsx=export.xlsx.name,
                    printable=export.printable.name,
                    error="",
                    finished_at=timezone.now(),
                )
                if finished:
                    _notify_ready(export)
            if not finished:
                raise _LeaseLost
    except _LeaseLost:
        # Our lease ran out and another build took the export over: its state is not ours to write.
        logger.warning("Case file export %s was taken over by another build; this one stops", export_id)
        _delete_files(saved)
        return False
    except ExportRefused as refused:
        logger.info("Case file export %s refused: %s", export_id, refused)
        _fail(export_id, lease, _error_text(refused), saved)
        return False
    except Exception as error:  # noqa: BLE001 — recorded on the export; re-raising would retry forever
        logger.exception("Case file export %s failed", export_id)
        _fail(export_id, lease, _error_text(error), saved)
        return False
    logger.info("Case file export %s built: %s tickets, %s events", export_id, len(data.tickets), len(data.events))
    return True


def _fail(export_id, lease, error, saved):
    _delete_files(saved)
    _held(export_id, lease).update(state=State.FAILED, error=error[:2000], finished_at=timezone.now())


def _delete_files(names):
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001
            logger.warning("Could not delete %s", name, exc_info=True)


def _notify_ready(export):
    user = export.requested_by
    url = reverse("export_status", args=[export.pk])
    values = {"company": export.enterprise.name, "url": settings.SITE_URL + url}
    subject = _("Case file ready: %(company)s") % values
    body = notifications.email_body(_("The case file of %(company)s that you asked for is ready to download: %(url)s") % values)
    notifications.save_and_queue([notifications.message_row(user, Notification.Kind.EXPORT_READY, subject, body, url, timezone.now())])


# --------------------------------------------------------------------------------------------
# what goes in: read once, with a bounded number of queries
# --------------------------------------------------------------------------------------------


@dataclass
class CaseFileData:
    export: CaseFileExport
    enterprise: Enterprise
    liaisons: list
    tickets: list
    events: list
    generated_at: datetime.datetime
    counts: dict = field(default_factory=dict)

    @property
    def status_counts(self):
        """(label, count) for every status, in the lifecycle's order, zeros included."""
        return [(label, self.counts.get(value, 0)) for value, label in Status.choices]


def collect(export):
    """The company, and the tickets and events the requester may see now."""
    user = export.requested_by
    enterprise = (
        Enterprise.objects.visible_to(user)
        .select_related("industry", "district")
        .filter(pk=export.enterprise_id)
        .first()
    )
    if enterprise is None:
        raise ExportRefused(_("You can no longer see this company."))
    tickets_qs = Ticket.objects.visible_to(user).filter(enterprise=enterprise)
    tickets = list(tickets_qs.select_related("category", "department").order_by("submitted_at", "id"))
    # The events of exactly the tickets loaded above: a ticket submitted in between must not
    # bring events without their ticket.
    events = list(
        TicketEvent.objects.filter(ticket_id__in=[t.pk for t in tickets]).select_related("actor").order_by("created_at", "id")
    )
    counts = {}
    for ticket in tickets:
        counts[ticket.status] = counts.get(ticket.status, 0) + 1
    return CaseFileData(
        export=export,
        enterprise=enterprise,
        liaisons=list(enterprise.liaisons.order_by("display_name", "username")),
        tickets=tickets,
        events=events,
        generated_at=timezone.now(),
        counts=counts,
    )


def local(value):
    """An aware datetime as a naive Asia/Shanghai one, to the second (what a spreadsheet cell holds)."""
    if value is None:
        return None
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None, microsecond=0)


def _label(field_name, model=Ticket):
    return capfirst(model._meta.get_field(field_name).verbose_name)


_STATE_LABELS = {**dict(Status.choices), **dict(SupervisionLevel.choices)}


def _state_label(value):
    return str(_STATE_LABELS.get(value, value)) if value else ""


def _event_from_to(event):
    """What an event changed: a status or supervision level, or for extensions the due dates."""
    if event.from_state or event.to_state:
        return _state_label(event.from_state), _state_label(event.to_state)
    if event.kind.startswith("extension_") and isinstance(event.data, dict):
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
        ("rating", _label("rating"), 12, "text", lambda t: t.get_rating_display() if t.rating else ""),
        ("supervision_level", _label("supervision_level"), 12, "text", lambda t: t.get_supervision_level_display()),
    ]


def event_columns(references):
    return [
        ("created_at", _label("created_at", TicketEvent), 17, "datetime", lambda e: local(e.created_at)),
        ("reference", _label("reference"), 16, "text", lambda e: references.get(e.ticket_id, "")),
        ("kind", _label("kind", TicketEvent), 16, "text", lambda e: e.get_kind_display()),
        ("actor", _label("actor", TicketEvent), 18, "text", lambda e: str(e.actor_label)),
        ("from_state", _label("from_state", TicketEvent), 12, "text", lambda e: _event_from_to(e)[0]),
        ("to_state", _label("to_state", TicketEvent), 12, "text", lambda e: _event_from_to(e)[1]),
        ("note", _label("note", TicketEvent), 60, "wrap", lambda e: e.note),
    ]


# --------------------------------------------------------------------------------------------
# the workbook
# --------------------------------------------------------------------------------------------


def _cell_value(value):
    """Text stays text: no control characters (openpyxl refuses them)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _put(sheet, row, column, value, kind="text"):
    cell = sheet.cell(row=row, column=column, value=_cell_value(value))
    if isinstance(cell.value, str) and cell.data_type != "s":
        # A title like "=HYPERLINK(…)" or "#N/A" typed by a user is text, never a formula or an error.
        cell.data_type = "s"
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
    contact = " ".join(part for part in (e.contact_name, e.contact_phone, e.contact_email) if part)
    return [
        (_label("name", Enterprise), e.name),
        (_label("credit_code", Enterprise), e.credit_code),
        (_label("industry", Enterprise), e.industry.name),
        (_label("district", Enterprise), e.district.name),
        (_label("size", Enterprise), e.get_size_display()),
        (_label("address", Enterprise), e.address),
        (_("Contact"), contact),
        (_label("liaisons", Enterprise), liaison_text(data.liaisons)),
    ]


def write_workbook(data):
    """The xlsx file's bytes: profile, ticket list, merged timeline."""
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
    profile.freeze_panes = "A2"  # the company's name stays in view

    _table(workbook.create_sheet(SHEET_TICKETS), ticket_columns(), data.tickets)
    references = {t.pk: t.reference for t in data.tickets}
    _table(workbook.create_sheet(SHEET_TIMELINE), event_columns(references), data.events)

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
    ev_columns = event_columns(references)
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
            "list_headers": [by_name[name][0] for name in _PAGE_LIST_FIELDS],
            "event_headers": [header for name, header, *_rest in ev_columns if name != "reference"],
            "tickets": tickets,
            "event_count": len(data.events),
            "generated_at": _text(local(data.generated_at), "datetime"),
            "requested_by": data.export.requested_by,
            "LANGUAGE_CODE": settings.LANGUAGE_CODE,
        },
    )
