"""Co-handling (协办) and the first contact (DESIGN.md §8), one function per action.

A co assignment's transitions are declared on tickets.models.assignment.Assignment with their
permissions; each function here locks the ticket (every action on a ticket is serialised by its
row), checks and runs the transition, writes the timeline event and tells who is told.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from tickets import notifications, rules
from tickets.models import (
    CO_WORK_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentState,
    ContactMethod,
    EventKind,
    Notification,
    Ticket,
    TicketEvent,
)
from tickets.services.base import (
    ActionRefused,
    _check,
    _lead_assignment,
    _locked,
    _open_co_assignments,
    _record,
    _require_text,
    _save,
    _withdraw_pending_extensions,
)
from tickets.services.uploads import _store_attachments, validate_uploads

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from enterprises.models import Department, User


# --------------------------------------------------------------------------------------------
# helpers (the assign and resolve actions of tickets.services.lifecycle use them too)
# --------------------------------------------------------------------------------------------


def validate_co_departments(lead: Department | None, co_departments: Iterable[Department]) -> list[Department]:
    """The co-handling departments, distinct and in the given order, or a refusal: the lead
    cannot also co-handle, and every one must still take tickets."""
    distinct: dict[int, Department] = {}
    for department in co_departments:
        distinct.setdefault(department.pk, department)
    if lead is not None and lead.pk in distinct:
        raise ActionRefused(
            _("%(department)s is the lead department; it cannot also be a co-handler.") % {"department": lead}, code="invalid"
        )
    for department in distinct.values():
        if not department.is_active:
            raise ActionRefused(_("%(department)s no longer takes tickets.") % {"department": department}, code="invalid")
    return list(distinct.values())


def _about(assignment: Assignment, **more: object) -> dict[str, object]:
    """The timeline data of an event about a co assignment: which one, and its department."""
    return {"assignment_id": assignment.pk, "department_id": assignment.department_id, "department": assignment.department.name, **more}


def _co_due_dates(
    ticket: Ticket, start: datetime.date, dates: dict[str, datetime.date] | None = None
) -> tuple[datetime.date, datetime.date]:
    """(sign by, feedback by) of a co assignment made on `start`: the deadline profile's times,
    never after the lead's due date. `dates`: ticket.deadline_dates(start), if already counted."""
    dates = dates or ticket.deadline_dates(start)
    lead_due = ticket.due_date or dates["resolution"]
    feedback_by = min(dates["co_feedback"], lead_due)
    return min(dates["response"], feedback_by), feedback_by


def create_co_assignment(
    ticket: Ticket,
    *,
    department: Department,
    by: User,
    at: datetime.datetime,
    note: str = "",
    due_date: datetime.date | None = None,
    dates: dict[str, datetime.date] | None = None,
) -> Assignment:
    """A co assignment of `ticket` (locked, with its lead set) to `department`, its timeline
    event, and the message to its staff. `dates`: the stages' due dates counted from `at`'s day
    (ticket.deadline_dates), when the caller adds several co-handlers at once."""
    sign_by, feedback_by = _co_due_dates(ticket, timezone.localdate(at), dates)
    if due_date is not None:
        if due_date < timezone.localdate(at):
            raise ActionRefused(_("The due date cannot be in the past."), code="invalid")
        if ticket.due_date is not None and due_date > ticket.due_date:
            raise ActionRefused(
                _("A co-handler's feedback cannot be due after the lead department's due date (%(date)s).") % {"date": ticket.due_date},
                code="invalid",
            )
        feedback_by, sign_by = due_date, min(sign_by, due_date)
    assignment = Assignment.objects.create(
        ticket=ticket,
        department=department,
        role=AssignmentRole.CO,
        assigned_by=by,
        assigned_at=at,
        response_due_date=sign_by,
        due_date=feedback_by,
        first_due_date=feedback_by,
        note=note,
    )
    _record(
        ticket,
        actor=by,
        kind=EventKind.CO_ASSIGN,
        note=note,
        data=_about(assignment, due_date=feedback_by.isoformat(), response_due_date=sign_by.isoformat()),
        at=at,
    )
    notifications.notify(
        Notification.Kind.CO_ASSIGNED,
        ticket,
        by=by,
        at=at,
        co_department=department,
        note=note,
        sign_by=sign_by.isoformat(),
        co_due=feedback_by.isoformat(),
    )
    return assignment


def end_co_assignment(
    assignment: Assignment, *, by: User | None, reason: str, note: str, at: datetime.datetime, notify: bool = True
) -> TicketEvent:
    """End a co assignment (its ticket locked by the caller) with its timeline event; a pending
    extension request of it is withdrawn; its staff are told unless `notify` is false."""
    assignment.end(reason=reason, at=at)
    _save(assignment)
    _withdraw_pending_extensions(assignment.ticket, at, _("Withdrawn: the co-handling ended."), Assignment.objects.filter(pk=assignment.pk))
    event = _record(
        assignment.ticket,
        actor=by,
        kind=EventKind.CO_END,
        note=note,
        data=_about(assignment, reason=reason),
        at=at,
    )
    if notify:
        notifications.notify(Notification.Kind.CO_ENDED, assignment.ticket, by=by, at=at, co_department=assignment.department, note=note)
    return event


def missing_co_feedback(ticket: Ticket) -> list[Assignment]:
    """The open co assignments that have not given their feedback (the lead resolves without
    them only with a reason)."""
    return [a for a in _open_co_assignments(ticket) if a.state in (AssignmentState.ASSIGNED, AssignmentState.SIGNED)]


def _locked_assignment(assignment: Assignment) -> tuple[Ticket, Assignment]:
    """The assignment's ticket and the assignment, both re-read under the ticket's row lock."""
    ticket = _locked(assignment.ticket)
    locked = Assignment.objects.select_for_update(of=("self",)).select_related("department").get(pk=assignment.pk)
    locked.ticket = ticket
    return ticket, locked


def _check_assignment(assignment: Assignment, method_name: str, user: User | None) -> None:
    method = getattr(assignment, method_name)
    if not can_proceed(method):
        if assignment.ended_at is not None:
            message = _("Your department's co-handling of this ticket has ended.")
        elif assignment.ticket.status not in CO_WORK_STATUSES and method_name != "end":
            message = _("This ticket is finished; its co-handling is closed.")
        else:
            message = _("This is not possible now: the co-handling part is “%(state)s”.") % {"state": assignment.get_state_display()}
        raise ActionRefused(message, code="invalid_state")
    if user is not None and not has_transition_perm(method, user):
        raise ActionRefused(_("You are not allowed to do this on this ticket."), code="forbidden")


def _co_assignment_of(ticket: Ticket, user: User) -> Assignment:
    """The user's department's open co assignment on `ticket`, or the refusal to act as one."""
    if not (user.is_department and user.department_id):
        raise ActionRefused(_("Your department is not a co-handler of this ticket."), code="forbidden")
    assignments = list(Assignment.objects.filter(ticket=ticket, role=AssignmentRole.CO, department_id=user.department_id))
    open_one = next((a for a in assignments if rules.is_open_co(a)), None)
    if open_one is not None:
        return open_one
    if assignments:
        raise ActionRefused(_("Your department's co-handling of this ticket has ended."), code="invalid_state")
    raise ActionRefused(_("Your department is not a co-handler of this ticket."), code="forbidden")


# --------------------------------------------------------------------------------------------
# actions
# --------------------------------------------------------------------------------------------


@transaction.atomic
def ticket_add_co_department(
    *,
    ticket: Ticket,
    by: User,
    department: Department,
    note: str = "",
    due_date: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> Assignment:
    """Dispatch asks one more department to co-handle a ticket a lead department is handling."""
    at = at or timezone.now()
    ticket = _locked(ticket)
    if not by.is_dispatcher:
        raise ActionRefused(_("Only the dispatch office adds co-handling departments."), code="forbidden")
    if not rules.may_add_co_department(by, ticket):
        raise ActionRefused(
            _("Co-handlers can be added only while a department handles the ticket (it is “%(status)s”).")
            % {"status": ticket.get_status_display()},
            code="invalid_state",
        )
    (department,) = validate_co_departments(ticket.department, [department])
    if _open_co_assignments(ticket).filter(department=department).exists():
        raise ActionRefused(_("%(department)s already co-handles this ticket.") % {"department": department}, code="conflict")
    return create_co_assignment(ticket, department=department, by=by, at=at, note=(note or "").strip(), due_date=due_date)


@transaction.atomic
def assignment_co_sign(*, ticket: Ticket, by: User, at: datetime.datetime | None = None) -> Assignment:
    """签收 (协办): the co-handling department acknowledges its part."""
    at = at or timezone.now()
    ticket = _locked(ticket)
    ticket, assignment = _locked_assignment(_co_assignment_of(ticket, by))
    _check_assignment(assignment, "co_sign", by)
    assignment.co_sign(at=at)
    _save(assignment)
    _record(
        ticket,
        actor=by,
        kind=EventKind.CO_SIGN,
        data=_about(assignment),
        at=at,
    )
    return assignment


@transaction.atomic
def assignment_co_feedback(
    *, ticket: Ticket, by: User, text: str, files: Sequence[UploadedFile] = (), at: datetime.datetime | None = None
) -> Assignment:
    """协办意见: the co-handling department gives its written contribution, with files."""
    text = _require_text(text, _("Write your department's feedback for the lead department."))
    validate_uploads(files)
    at = at or timezone.now()
    ticket = _locked(ticket)
    ticket, assignment = _locked_assignment(_co_assignment_of(ticket, by))
    _check_assignment(assignment, "co_feedback", by)
    assignment.co_feedback(text=text, at=at)
    _save(assignment)
    event = _record(
        ticket,
        actor=by,
        kind=EventKind.CO_FEEDBACK,
        note=text,
        data=_about(assignment, due_date=assignment.due_date.isoformat(), on_time=assignment.feedback_on_time),
        at=at,
    )
    _store_attachments(ticket, files, by=by, event=event)
    _withdraw_pending_extensions(ticket, at, _("Withdrawn: the feedback was given."), Assignment.objects.filter(pk=assignment.pk))
    notifications.notify(Notification.Kind.CO_FEEDBACK_GIVEN, ticket, by=by, at=at, co_department=assignment.department, note=text)
    return assignment


@transaction.atomic
def assignment_end(*, assignment: Assignment, by: User, reason: str, at: datetime.datetime | None = None) -> Assignment:
    """Dispatch releases a co-handling department (not its business), with the reason."""
    reason = _require_text(reason, _("Say why this department no longer co-handles the ticket."))
    at = at or timezone.now()
    ticket, assignment = _locked_assignment(assignment)
    if not rules.may_end_co_assignment(by, assignment):
        if not by.is_dispatcher:
            raise ActionRefused(_("Only the dispatch office releases a co-handling department."), code="forbidden")
        raise ActionRefused(_("This co-handling has already ended."), code="invalid_state")
    if ticket.status not in CO_WORK_STATUSES:
        raise ActionRefused(_("This ticket is finished; its co-handling is closed."), code="invalid_state")
    _check_assignment(assignment, "end", by)
    end_co_assignment(assignment, by=by, reason=Assignment.EndReason.RELEASED, note=reason, at=at)
    return assignment


@transaction.atomic
def ticket_contact(*, ticket: Ticket, by: User, method: str, note: str, at: datetime.datetime | None = None) -> TicketEvent:
    """首次联系 and every later contact: the lead department records a phone call, visit or
    meeting with the company; the company sees it on its timeline."""
    if method not in ContactMethod.values:
        raise ActionRefused(_("Choose how you contacted the company."), code="invalid")
    note = _require_text(note, _("Write what was discussed with the company."))
    at = at or timezone.now()
    ticket = _locked(ticket)
    _check(ticket, "contact", by)
    first = ticket.contacted_at is None
    ticket.contact(at=at)
    _save(ticket)
    if first:
        _lead_assignment(ticket).filter(contacted_at__isnull=True).update(contacted_at=at)
    return _record(
        ticket,
        actor=by,
        kind=EventKind.CONTACT,
        note=note,
        data={
            "method": method,
            "first": first,
            "contact_due_date": ticket.contact_due_date.isoformat() if ticket.contact_due_date else None,
            "on_time": first and ticket.contact_due_date is not None and timezone.localdate(at) <= ticket.contact_due_date,
        },
        at=at,
    )
