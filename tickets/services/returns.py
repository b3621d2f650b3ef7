"""Return requests (退单审核, DESIGN.md §9): the department that holds a ticket asks dispatch to
take it back, or a co-handling department asks to be released; dispatch rules on it.

`upheld`: the ticket goes back to dispatch through the return_to_dispatch transition, taken by
the dispatcher (tickets.services.lifecycle.ticket_return), or the co assignment ends as
released. `overruled` (with a reason): nothing moves; the due date stays, the department is told.
A pending request changes no date: the clock runs on.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets import notifications, rules, workdays
from tickets.models import (
    CO_WORK_STATUSES,
    HANDLING_STATUSES,
    Assignment,
    EventKind,
    Notification,
    ReturnRequest,
    Ticket,
)
from tickets.services.base import ActionRefused, _locked, _record, _require_text
from tickets.services.cohandling import end_co_assignment
from tickets.services.lifecycle import ticket_return

if TYPE_CHECKING:
    from enterprises.models import Department, User


def return_window_end(assignment: Assignment) -> datetime.date:
    """The last day a return (or a release) of this assignment may be asked for:
    RETURN_WINDOW_WORKING_DAYS working days after the day it was made."""
    return workdays.add_working_days(timezone.localdate(assignment.assigned_at), return_window_days())


def return_window_days() -> int:
    """RETURN_WINDOW_WORKING_DAYS: how many working days after its assignment a return may be asked for."""
    return int(settings.RETURN_WINDOW_WORKING_DAYS)


def _about(request: ReturnRequest, assignment: Assignment) -> dict[str, Any]:
    """The timeline data of an event about a return request."""
    suggested = request.suggested_department
    return {
        "request_id": request.pk,
        "assignment_id": assignment.pk,
        "role": assignment.role,
        "department_id": request.department_id,
        "department": request.department.name,
        **({"suggested_department_id": suggested.pk, "suggested_department": suggested.name} if suggested is not None else {}),
    }


@transaction.atomic
def return_request_file(
    *,
    ticket: Ticket,
    by: User,
    reason: str,
    suggested_department: Department | None = None,
    at: datetime.datetime | None = None,
) -> ReturnRequest:
    """退单申请: the holding department asks dispatch to take the ticket back (not its
    responsibility), or a co-handling department asks to be released, within
    RETURN_WINDOW_WORKING_DAYS working days of its assignment; optionally naming the department
    it thinks responsible."""
    reason = _require_text(reason, _("Say why this ticket is not your department's responsibility."))
    at = at or timezone.now()
    ticket = _locked(ticket)
    assignment = rules.return_assignment(by, ticket)
    if assignment is None:
        if rules.holds_ticket(by, ticket) or rules.open_co_assignment(by, ticket) is not None:
            raise ActionRefused(_("A return can only be asked for while the ticket is being handled."), code="invalid_state")
        raise ActionRefused(_("Only a department handling this ticket can ask to return it."), code="forbidden")
    if suggested_department is not None:
        if suggested_department.pk == assignment.department_id:
            raise ActionRefused(_("Suggest another department than your own."), code="invalid")
        if not suggested_department.is_active:
            raise ActionRefused(_("%(department)s no longer takes tickets.") % {"department": suggested_department}, code="invalid")
    last_day = return_window_end(assignment)
    if timezone.localdate(at) > last_day:
        raise ActionRefused(
            _(
                "Too late to ask: a return could be asked for until %(date)s, %(days)s working days after the assignment. "
                "Handle the ticket, or call the dispatch office."
            )
            % {"date": last_day.isoformat(), "days": return_window_days()},
            code="window_closed",
        )
    pending = _("A return request for this ticket is already waiting for the dispatch office's ruling.")
    if ReturnRequest.objects.filter(assignment=assignment, state=ReturnRequest.State.PENDING).exists():
        raise ActionRefused(pending, code="conflict")
    try:
        with transaction.atomic():
            request = ReturnRequest.objects.create(
                ticket=ticket,
                assignment=assignment,
                department=assignment.department,
                requested_by=by,
                reason=reason,
                suggested_department=suggested_department,
                created_at=at,
            )
    except IntegrityError:  # the same request filed at the same moment (one_pending_return_per_assignment)
        raise ActionRefused(pending, code="conflict") from None
    _record(ticket, actor=by, kind=EventKind.RETURN_REQUESTED, note=reason, data=_about(request, assignment), at=at)
    notifications.notify(
        Notification.Kind.RETURN_REQUESTED,
        ticket,
        by=by,
        at=at,
        note=reason,
        department=assignment.department.name,
        suggested=suggested_department.name if suggested_department is not None else "",
    )
    return request


@transaction.atomic
def return_request_decide(
    *, request: ReturnRequest, by: User, uphold: bool, reason: str = "", at: datetime.datetime | None = None
) -> ReturnRequest:
    """Dispatch rules on a return request: upheld (the ticket returns to dispatch, or the
    co-handler is released) or overruled (a reason is required; nothing moves)."""
    at = at or timezone.now()
    if not rules.may_rule_returns(by):
        raise ActionRefused(_("Only the dispatch office rules on return requests."), code="forbidden")
    reason = (reason or "").strip()
    if not uphold:
        reason = _require_text(reason, _("Say why the return is overruled; the department will read it."))
    ticket = _locked(request.ticket)
    # Claim the request: exactly one ruling wins, whoever else is ruling at the same time.
    new_state = ReturnRequest.State.UPHELD if uphold else ReturnRequest.State.OVERRULED
    claimed = ReturnRequest.objects.filter(pk=request.pk, state=ReturnRequest.State.PENDING).update(
        state=new_state, decided_by=by, decided_at=at, decision_reason=reason
    )
    if not claimed:
        raise ActionRefused(_("This return request has already been ruled on."), code="conflict")
    request = ReturnRequest.objects.select_related("assignment", "department", "suggested_department").get(pk=request.pk)
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("department").get(pk=request.assignment_id)
    assignment.ticket = ticket
    moved_on = _("The ticket has moved on since this request (it is “%(status)s”); there is nothing left to return.") % {
        "status": ticket.get_status_display()
    }
    data = _about(request, assignment)
    if uphold and assignment.is_co:
        if assignment.ended_at is not None or ticket.status not in CO_WORK_STATUSES:
            raise ActionRefused(moved_on, code="invalid_state")
        _record(ticket, actor=by, kind=EventKind.RETURN_UPHELD, note=reason, data=data, at=at)
        end_co_assignment(assignment, by=by, reason=Assignment.EndReason.RELEASED, note=reason or request.reason, at=at, notify=False)
    elif uphold:
        if assignment.ended_at is not None or ticket.status not in HANDLING_STATUSES or ticket.department_id != request.department_id:
            raise ActionRefused(moved_on, code="invalid_state")
        _record(ticket, actor=by, kind=EventKind.RETURN_UPHELD, note=reason, data=data, at=at)
        ticket = ticket_return(ticket=ticket, by=by, reason=request.reason, at=at, request_id=request.pk)
    else:
        _record(ticket, actor=by, kind=EventKind.RETURN_OVERRULED, note=reason, data=data, at=at)
    notifications.notify(
        Notification.Kind.RETURN_RULED,
        ticket,
        by=by,
        at=at,
        # The department that asked (REQUESTING_DEPARTMENT): after an upheld return it no longer holds the ticket.
        co_department=request.department,
        note=reason,
        decision=notifications.in_site_language(gettext_lazy("upheld") if uphold else gettext_lazy("overruled")),
    )
    return request
