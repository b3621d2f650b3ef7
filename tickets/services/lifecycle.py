"""The lifecycle transitions of DESIGN.md §3, one function each."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import notifications
from tickets.models import (
    Assignment,
    EventKind,
    Notification,
    Rating,
    SupervisionLevel,
    Ticket,
)
from tickets.services.base import ActionRefused, _open_assignments, _require_text, _transition, _withdraw_pending_extensions
from tickets.services.supervision import _raise_supervision
from tickets.services.uploads import _store_attachments, validate_uploads

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from enterprises.models import Department, User

@transaction.atomic
def ticket_assign(
    *,
    ticket: Ticket,
    by: User,
    department: Department,
    due_date: datetime.date | None = None,
    note: str = "",
    at: datetime.datetime | None = None,
) -> Ticket:
    """Dispatch sends the ticket to a department; the due date comes from the SLA unless given."""
    at = at or timezone.now()
    if due_date is not None and due_date < timezone.localdate(at):
        raise ActionRefused(_("The due date cannot be in the past."), code="invalid")
    if not department.is_active:
        raise ActionRefused(_("This department no longer takes tickets."), code="invalid")
    ticket, event = _transition(
        ticket,
        by=by,
        name="assign",
        kind=EventKind.ASSIGN,
        note=note,
        at=at,
        kwargs={"department": department, "due_date": due_date, "at": at},
        data=lambda t: {
            "department_id": department.pk,
            "department": department.name,
            "due_date": t.due_date.isoformat(),  # type: ignore[union-attr]  # assign() sets both dates
            "response_due_date": t.response_due_date.isoformat(),  # type: ignore[union-attr]
        },
    )
    assert ticket.due_date is not None and ticket.response_due_date is not None  # assign() sets both
    Assignment.objects.create(
        ticket=ticket,
        department=department,
        assigned_by=by,
        assigned_at=at,
        response_due_date=ticket.response_due_date,
        due_date=ticket.due_date,
    )
    notifications.notify(Notification.Kind.ASSIGNED, ticket, by=by, at=at, note=note)
    return ticket


@transaction.atomic
def ticket_reject(
    *, ticket: Ticket, by: User, reason: str, duplicate_of: Ticket | None = None, at: datetime.datetime | None = None
) -> Ticket:
    """不予受理: out of scope, or a duplicate of an earlier ticket."""
    reason = _require_text(reason, _("Give the reason for not accepting this problem."))
    if duplicate_of is not None and duplicate_of.pk == ticket.pk:
        raise ActionRefused(_("A ticket cannot duplicate itself."), code="invalid")
    ticket, _event = _transition(
        ticket,
        by=by,
        name="reject",
        kind=EventKind.REJECT,
        note=reason,
        at=at,
        data={"duplicate_of": duplicate_of.reference} if duplicate_of else {},
        kwargs={"reason": reason, "duplicate_of": duplicate_of, "at": at},
    )
    notifications.notify(Notification.Kind.REJECTED, ticket, by=by, at=at, note=reason)
    return ticket


@transaction.atomic
def ticket_sign(*, ticket: Ticket, by: User, at: datetime.datetime | None = None) -> Ticket:
    """签收: the department acknowledges the ticket."""
    at = at or timezone.now()
    ticket, _event = _transition(ticket, by=by, name="sign", kind=EventKind.SIGN, at=at, kwargs={"at": at})
    _open_assignments(ticket).update(signed_at=at)
    return ticket


@transaction.atomic
def ticket_return(*, ticket: Ticket, by: User, reason: str, at: datetime.datetime | None = None) -> Ticket:
    """退回: not this department's responsibility; back to the dispatch queue."""
    reason = _require_text(reason, _("Say why this ticket is not your department's responsibility."))
    at = at or timezone.now()
    ticket, _event = _transition(
        ticket,
        by=by,
        name="return_to_dispatch",
        kind=EventKind.RETURN,
        note=reason,
        at=at,
        # The department it leaves (the transition keeps it as last_department).
        data=lambda t: {"department_id": t.last_department_id, "department": str(t.last_department)},
        kwargs={"reason": reason, "at": at},
    )
    _open_assignments(ticket).update(ended_at=at, end_reason=Assignment.EndReason.RETURNED)
    _withdraw_pending_extensions(ticket, at, _("Withdrawn: the ticket was returned to dispatch."))
    notifications.notify(Notification.Kind.RETURNED, ticket, by=by, at=at, note=reason, department=str(ticket.last_department))
    return ticket


@transaction.atomic
def ticket_resolve(
    *, ticket: Ticket, by: User, result: str, files: Sequence[UploadedFile] = (), at: datetime.datetime | None = None
) -> Ticket:
    """办结: the department reports the problem solved, with the result."""
    result = _require_text(result, _("Describe how the problem was solved."))
    validate_uploads(files)
    at = at or timezone.now()
    ticket, event = _transition(
        ticket,
        by=by,
        name="resolve",
        kind=EventKind.RESOLVE,
        note=result,
        at=at,
        data=lambda t: {"due_date": t.due_date.isoformat() if t.due_date else None},
        kwargs={"result": result, "at": at},
    )
    _store_attachments(ticket, files, by=by, event=event)
    _withdraw_pending_extensions(ticket, at, _("Withdrawn: the ticket was resolved."))
    notifications.notify(Notification.Kind.RESOLVED, ticket, by=by, at=at)
    return ticket


@transaction.atomic
def ticket_confirm(*, ticket: Ticket, by: User, rating: str, comment: str = "", at: datetime.datetime | None = None) -> Ticket:
    """回访: the company accepts the result and rates it; the ticket is closed (销号)."""
    if rating not in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED):
        raise ActionRefused(_("Choose “satisfied” or “basically satisfied”; if you are not satisfied, reopen the ticket."), code="invalid")
    at = at or timezone.now()
    ticket, _event = _transition(
        ticket,
        by=by,
        name="confirm",
        kind=EventKind.CONFIRM,
        note=comment,
        at=at,
        data={"rating": rating},
        kwargs={"rating": rating, "comment": comment, "at": at},
    )
    notifications.notify(Notification.Kind.CLOSED, ticket, by=by, at=at)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, by: User, comment: str, at: datetime.datetime | None = None) -> Ticket:
    """The company is not satisfied: back to the department with a new due date, under at
    least yellow supervision."""
    comment = _require_text(comment, _("Say what is still not solved."))
    at = at or timezone.now()
    ticket, _event = _transition(
        ticket,
        by=by,
        name="reopen",
        kind=EventKind.REOPEN,
        note=comment,
        at=at,
        data=lambda t: {"rating": Rating.DISSATISFIED, "due_date": t.due_date.isoformat()},  # type: ignore[union-attr]  # reopen() sets it
        kwargs={"comment": comment, "at": at},
    )
    _open_assignments(ticket).update(due_date=ticket.due_date)
    if ticket.supervision_level == SupervisionLevel.NONE:
        _raise_supervision(ticket, by=None, level=SupervisionLevel.YELLOW, notice=_("Reopened: the company is not satisfied."), at=at)
    notifications.notify(Notification.Kind.REOPENED, ticket, by=by, at=at, note=comment)
    return ticket


@transaction.atomic
def ticket_auto_close(*, ticket: Ticket, at: datetime.datetime | None = None, working_days: int | None = None) -> Ticket:
    """The system closes a resolved ticket the company never answered. Not a rating."""
    at = at or timezone.now()
    ticket, _event = _transition(
        ticket,
        by=None,
        name="auto_close",
        kind=EventKind.AUTO_CLOSE,
        note=notifications.system_note("no_answer"),  # the same words, in the site's language, as the sweep's
        at=at,
        data={"working_days": working_days} if working_days else {},
        kwargs={"at": at},
    )
    notifications.notify(Notification.Kind.AUTO_CLOSED, ticket, at=at)
    return ticket
