"""The lifecycle transitions of DESIGN.md §3, one function each."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import notifications
from tickets.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    EventKind,
    Notification,
    Outcome,
    Rating,
    SupervisionLevel,
    Ticket,
)
from tickets.services.base import (
    ActionRefused,
    _check,
    _lead_assignment,
    _locked,
    _open_co_assignments,
    _require_text,
    _transition,
    _withdraw_pending_extensions,
)
from tickets.services.cohandling import create_co_assignment, end_co_assignment, missing_co_feedback, validate_co_departments
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
    co_departments: Iterable[Department] = (),
    is_complex: bool = False,
    keep_co: Iterable[int] | None = None,
) -> Ticket:
    """Dispatch sends the ticket to a lead department, and to co-handling departments if named;
    the due dates come from the deadline profile (complex: its longer resolution time) unless
    given. A ticket coming back after a return may still have co assignments: those in
    `keep_co` (department ids; None keeps all) stay, the others end."""
    at = at or timezone.now()
    if due_date is not None and due_date < timezone.localdate(at):
        raise ActionRefused(_("The due date cannot be in the past."), code="invalid")
    if not department.is_active:
        raise ActionRefused(_("This department no longer takes tickets."), code="invalid")
    co_departments = validate_co_departments(department, co_departments)
    ticket, event = _transition(
        ticket,
        by=by,
        name="assign",
        kind=EventKind.ASSIGN,
        note=note,
        at=at,
        kwargs={"department": department, "due_date": due_date, "at": at, "is_complex": is_complex},
        data=lambda t: {
            "department_id": department.pk,
            "department": department.name,
            "due_date": t.due_date.isoformat(),  # type: ignore[union-attr]  # assign() sets the dates
            "response_due_date": t.response_due_date.isoformat(),  # type: ignore[union-attr]
            "contact_due_date": t.contact_due_date.isoformat(),  # type: ignore[union-attr]
            "complex": is_complex,
            "co_departments": [co.name for co in co_departments],
        },
    )
    assert ticket.due_date is not None and ticket.response_due_date is not None  # assign() sets both
    Assignment.objects.create(
        ticket=ticket,
        department=department,
        role=AssignmentRole.LEAD,
        assigned_by=by,
        assigned_at=at,
        response_due_date=ticket.response_due_date,
        due_date=ticket.due_date,
        first_due_date=ticket.due_date,
        contact_due_date=ticket.contact_due_date,
    )
    kept = _settle_co_assignments(ticket, lead=department, keep=keep_co, by=by, at=at)
    notifications.notify(Notification.Kind.ASSIGNED, ticket, by=by, at=at, note=note)
    new_co = [co for co in co_departments if co.pk not in kept]
    dates = ticket.deadline_dates(timezone.localdate(at)) if new_co else None  # counted once for all of them
    for co in new_co:
        create_co_assignment(ticket, department=co, by=by, at=at, note=note, dates=dates)
    return ticket


def _settle_co_assignments(ticket: Ticket, *, lead: Department, keep: Iterable[int] | None, by: User, at: datetime.datetime) -> set[int]:
    """At a new assignment, the co assignments still open from before (a return): the new lead's
    own ends (it now leads), those not kept end; returns the departments kept."""
    keep_ids = None if keep is None else {int(pk) for pk in keep}
    kept = set()
    for co in _open_co_assignments(ticket):
        co.ticket = ticket
        if co.department_id == lead.pk:
            end_co_assignment(co, by=by, reason=Assignment.EndReason.BECAME_LEAD, note="", at=at, notify=False)
        elif keep_ids is not None and co.department_id not in keep_ids:
            note = _("Not kept when the ticket was dispatched again.")
            end_co_assignment(co, by=by, reason=Assignment.EndReason.LEAD_CHANGED, note=note, at=at)
        else:
            kept.add(co.department_id)
    return kept


@transaction.atomic
def ticket_reject(
    *, ticket: Ticket, by: User, reason: str, duplicate_of: Ticket | None = None, at: datetime.datetime | None = None
) -> Ticket:
    """不予受理: out of scope, or a duplicate of an earlier ticket."""
    reason = _require_text(reason, _("Give the reason for not accepting this problem."))
    at = at or timezone.now()
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
    # Co-handlers kept from before a return have nothing left to do on a ticket not accepted.
    for co in _open_co_assignments(ticket):
        co.ticket = ticket
        end_co_assignment(co, by=by, reason=Assignment.EndReason.REJECTED, note=reason, at=at)
    notifications.notify(Notification.Kind.REJECTED, ticket, by=by, at=at, note=reason)
    return ticket


@transaction.atomic
def ticket_sign(*, ticket: Ticket, by: User, at: datetime.datetime | None = None) -> Ticket:
    """签收: the department acknowledges the ticket."""
    at = at or timezone.now()
    ticket, _event = _transition(ticket, by=by, name="sign", kind=EventKind.SIGN, at=at, kwargs={"at": at})
    _lead_assignment(ticket).update(signed_at=at, state=AssignmentState.SIGNED)
    return ticket


@transaction.atomic
def ticket_return(*, ticket: Ticket, by: User, reason: str, at: datetime.datetime | None = None, request_id: int | None = None) -> Ticket:
    """退回: not the department's responsibility; back to the dispatch queue. Dispatch takes it,
    upholding the department's return request (`request_id`, recorded on the event; see
    tickets.services.returns.return_request_decide)."""
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
        data=lambda t: {
            "department_id": t.last_department_id,
            "department": str(t.last_department),
            **({"request_id": request_id} if request_id is not None else {}),
        },
        kwargs={"reason": reason, "at": at},
    )
    lead = _lead_assignment(ticket)
    _withdraw_pending_extensions(ticket, at, _("Withdrawn: the ticket was returned to dispatch."), lead)
    # Co assignments stay open: dispatch keeps or ends them when it assigns the ticket again.
    lead.update(ended_at=at, end_reason=Assignment.EndReason.RETURNED, state=AssignmentState.ENDED)
    notifications.notify(Notification.Kind.RETURNED, ticket, by=by, at=at, note=reason, department=str(ticket.last_department))
    return ticket


@transaction.atomic
def ticket_resolve(
    *,
    ticket: Ticket,
    by: User,
    result: str,
    outcome: str,
    condition: str = "",
    review_date: datetime.date | None = None,
    files: Sequence[UploadedFile] = (),
    override_reason: str = "",
    at: datetime.datetime | None = None,
) -> Ticket:
    """办结: the lead department reports the result and its outcome (DESIGN.md §9): solved,
    explained, or not feasible for now (with the condition and the date it will be looked at
    again, after today). While a co-handler has not given its feedback, only with the reason to
    go ahead without it (an override, on the timeline and counted); those co assignments end."""
    result = _require_text(result, _("Describe how the problem was solved."))
    at = at or timezone.now()
    condition, review_date = _check_outcome(outcome, condition, review_date, timezone.localdate(at))
    validate_uploads(files)
    override_reason = (override_reason or "").strip()
    locked = _locked(ticket)
    _check(locked, "resolve", by)  # state and permission before anything about the co-handlers
    missing = missing_co_feedback(locked)
    if missing and not override_reason:
        raise ActionRefused(
            _("Not every co-handling department has given its feedback (missing: %(departments)s). Give the reason to resolve without it.")
            % {"departments": "、".join(a.department.name for a in missing)},
            code="co_feedback_missing",
        )
    data = {"override": override_reason, "missing": [a.department.name for a in missing]} if missing else {}
    ticket, event = _transition(
        locked,
        by=by,
        name="resolve",
        kind=EventKind.RESOLVE,
        note=result,
        at=at,
        data=lambda t: {"due_date": t.due_date.isoformat() if t.due_date else None, **data, **_outcome_data(t)},
        kwargs={
            "result": result,
            "outcome": outcome,
            "condition": condition,
            "review_date": review_date,
            "at": at,
            "override": bool(missing),
        },
    )
    _store_attachments(ticket, files, by=by, event=event)
    for assignment in missing:
        assignment.ticket = ticket
        end_co_assignment(assignment, by=by, reason=Assignment.EndReason.RESOLVED, note=override_reason, at=at)
    _withdraw_pending_extensions(ticket, at, _("Withdrawn: the ticket was resolved."))
    notifications.notify(Notification.Kind.RESOLVED, ticket, by=by, at=at)
    return ticket


def _check_outcome(
    outcome: str, condition: str, review_date: datetime.date | None, today: datetime.date
) -> tuple[str, datetime.date | None]:
    """The outcome's own rules: one of Outcome; not_feasible with its condition and a review date
    after today. Returns the condition and review date to record (none unless not_feasible)."""
    if outcome not in Outcome.values:
        raise ActionRefused(_("Choose the outcome: solved, explained, or not feasible for now."), code="invalid")
    if outcome != Outcome.NOT_FEASIBLE:
        return "", None
    condition = _require_text(condition, _("Say what condition is missing for a solution."))
    if review_date is None:
        raise ActionRefused(_("Give the date on which the problem will be looked at again."), code="invalid")
    if review_date <= today:
        raise ActionRefused(_("The review date must be after today (%(today)s).") % {"today": today.isoformat()}, code="invalid")
    return condition, review_date


def _outcome_data(ticket: Ticket) -> dict[str, str]:
    """The resolve event's record of the outcome (the report's timeline replays it)."""
    data = {"outcome": ticket.outcome}
    if ticket.outcome == Outcome.NOT_FEASIBLE:
        assert ticket.outcome_review_date is not None  # _check_outcome requires it
        data |= {"condition": ticket.outcome_condition, "review_date": ticket.outcome_review_date.isoformat()}
    return data


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
    after_reopen(ticket, by=by, comment=comment, at=at)
    return ticket


def after_reopen(ticket: Ticket, *, by: User, comment: str, at: datetime.datetime) -> None:
    """What every reopen does after its transition (the company's, or a caller's on the phone,
    tickets.services.calls): the lead's due date follows the ticket's, supervision at least
    yellow, the department and supervision told."""
    _lead_assignment(ticket).update(due_date=ticket.due_date)
    if ticket.supervision_level == SupervisionLevel.NONE:
        _raise_supervision(ticket, by=None, level=SupervisionLevel.YELLOW, notice=_("Reopened: the company is not satisfied."), at=at)
    notifications.notify(Notification.Kind.REOPENED, ticket, by=by, at=at, note=comment)


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
