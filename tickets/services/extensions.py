"""Extension requests (延期): asked by the holding department, decided by dispatch or supervision."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets import notifications, rules
from tickets.models import (
    HANDLING_STATUSES,
    Assignment,
    EventKind,
    ExtensionRequest,
    Notification,
    Ticket,
)
from tickets.services.base import ActionRefused, _lead_assignment, _locked, _record, _require_text, _save

if TYPE_CHECKING:
    from enterprises.models import User


@transaction.atomic
def extension_request(
    *, ticket: Ticket, by: User, requested_due_date: datetime.date, reason: str, at: datetime.datetime | None = None
) -> ExtensionRequest:
    """延期: the holding department asks for more time to resolve, or a co-handling department
    for more time to give its feedback (never past the lead's due date)."""
    reason = _require_text(reason, _("Say why more time is needed."))
    at = at or timezone.now()
    ticket = _locked(ticket)
    assignment = rules.extension_assignment(by, ticket)
    if assignment is None:
        if not (rules.holds_ticket(by, ticket) or rules.open_co_assignment(by, ticket) is not None):
            raise ActionRefused(_("Only the department handling this ticket can ask for more time."), code="forbidden")
        raise ActionRefused(_("More time can only be asked for while the ticket is being handled."), code="invalid_state")
    if requested_due_date <= assignment.due_date:
        raise ActionRefused(
            _("The new due date must be later than the current one (%(date)s).") % {"date": assignment.due_date}, code="invalid"
        )
    if assignment.is_co and ticket.due_date is not None and requested_due_date > ticket.due_date:
        raise ActionRefused(
            _("A co-handler's feedback cannot be due after the lead department's due date (%(date)s).") % {"date": ticket.due_date},
            code="invalid",
        )
    if ExtensionRequest.objects.filter(assignment=assignment, state=ExtensionRequest.State.PENDING).exists():
        raise ActionRefused(_("An extension request for this ticket is already waiting for a decision."), code="conflict")
    request = ExtensionRequest.objects.create(
        ticket=ticket,
        department=assignment.department,
        assignment=assignment,
        requested_by=by,
        current_due_date=assignment.due_date,
        requested_due_date=requested_due_date,
        reason=reason,
        created_at=at,
    )
    _record(
        ticket,
        actor=by,
        kind=EventKind.EXTENSION_REQUESTED,
        note=reason,
        data={
            "request_id": request.pk,
            "assignment_id": assignment.pk,
            "role": assignment.role,
            "from": assignment.due_date.isoformat(),
            "to": requested_due_date.isoformat(),
        },
        at=at,
    )
    notifications.notify(
        Notification.Kind.EXTENSION_REQUESTED,
        ticket,
        by=by,
        at=at,
        note=reason,
        requested=requested_due_date.isoformat(),
        department=assignment.department.name,
        due=assignment.due_date.isoformat(),
    )
    return request


@transaction.atomic
def extension_decide(
    *, request: ExtensionRequest, by: User, approve: bool, note: str = "", at: datetime.datetime | None = None
) -> ExtensionRequest:
    """Dispatch or supervision approves (the due date moves) or refuses an extension."""
    at = at or timezone.now()
    if not rules.may_decide_extensions(by):
        raise ActionRefused(_("Only the dispatch or supervision office decides extension requests."), code="forbidden")
    if not approve:
        note = _require_text(note, _("Say why the extension is refused."))
    ticket = _locked(request.ticket)
    # Claim the request: exactly one decision wins, whoever else is deciding at the same time.
    new_state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REFUSED
    claimed = ExtensionRequest.objects.filter(pk=request.pk, state=ExtensionRequest.State.PENDING).update(
        state=new_state, decided_by=by, decided_at=at, decision_note=note
    )
    if not claimed:
        raise ActionRefused(_("This extension request has already been decided."), code="conflict")
    request = ExtensionRequest.objects.select_related("assignment", "department").get(pk=request.pk)
    assignment = request.assignment
    is_co = assignment is not None and assignment.is_co
    data = {
        "request_id": request.pk,
        "from": request.current_due_date.isoformat(),
        "to": request.requested_due_date.isoformat(),
        **({"assignment_id": assignment.pk, "role": assignment.role} if assignment is not None else {}),
    }
    kind = EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED
    if approve and is_co:
        assert assignment is not None
        if assignment.ended_at is not None or assignment.feedback_at is not None or assignment.due_date != request.current_due_date:
            raise ActionRefused(
                _(
                    "The co-handling has ended, its feedback was given, or its due date has changed since this request; "
                    "the extension no longer applies."
                ),
                code="invalid_state",
            )
        Assignment.objects.filter(pk=assignment.pk).update(due_date=request.requested_due_date)
        # Its own kind: a co-handler's due date is not the ticket's (the report replays the
        # ticket's due date from the other kind).
        kind = EventKind.CO_EXTENSION_APPROVED
    elif approve:
        if ticket.status not in HANDLING_STATUSES:
            raise ActionRefused(_("The ticket is no longer being handled; the extension no longer applies."), code="invalid_state")
        if ticket.department_id != request.department_id or ticket.due_date != request.current_due_date:
            # Returned and reassigned, or reopened with a new due date, since the request was made.
            raise ActionRefused(
                _("The ticket's department or due date has changed since this request; the extension no longer applies."),
                code="invalid_state",
            )
        ticket.due_date = request.requested_due_date
        _save(ticket)
        _lead_assignment(ticket).update(due_date=request.requested_due_date)
    _record(ticket, actor=by, kind=kind, note=note, data=data, at=at)
    about_co = {}
    if is_co and assignment is not None:
        # The co-handler is told, with its own due date.
        shown_due = request.requested_due_date if approve else request.current_due_date
        about_co = {"co_department": assignment.department, "due": shown_due.isoformat()}
    notifications.notify(
        Notification.Kind.EXTENSION_DECIDED,
        ticket,
        by=by,
        at=at,
        note=note,
        decision=notifications.in_site_language(gettext_lazy("approved") if approve else gettext_lazy("refused")),
        **about_co,
    )
    return request
