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
    EventKind,
    ExtensionRequest,
    Notification,
    Ticket,
)
from tickets.services.base import ActionRefused, _locked, _open_assignments, _record, _require_text, _save

if TYPE_CHECKING:
    from enterprises.models import User

@transaction.atomic
def extension_request(
    *, ticket: Ticket, by: User, requested_due_date: datetime.date, reason: str, at: datetime.datetime | None = None
) -> ExtensionRequest:
    """延期: the holding department asks for more time."""
    reason = _require_text(reason, _("Say why more time is needed."))
    at = at or timezone.now()
    ticket = _locked(ticket)
    if not rules.holds_ticket(by, ticket):
        raise ActionRefused(_("Only the department handling this ticket can ask for more time."), code="forbidden")
    if not rules.may_request_extension(by, ticket):
        raise ActionRefused(_("More time can only be asked for while the ticket is being handled."), code="invalid_state")
    assert ticket.department is not None and ticket.due_date is not None  # a ticket being handled has both
    if requested_due_date <= ticket.due_date:
        raise ActionRefused(
            _("The new due date must be later than the current one (%(date)s).") % {"date": ticket.due_date}, code="invalid"
        )
    if ticket.extension_requests.filter(state=ExtensionRequest.State.PENDING).exists():
        raise ActionRefused(_("An extension request for this ticket is already waiting for a decision."), code="conflict")
    request = ExtensionRequest.objects.create(
        ticket=ticket,
        department=ticket.department,
        requested_by=by,
        current_due_date=ticket.due_date,
        requested_due_date=requested_due_date,
        reason=reason,
        created_at=at,
    )
    _record(
        ticket,
        actor=by,
        kind=EventKind.EXTENSION_REQUESTED,
        note=reason,
        data={"request_id": request.pk, "from": ticket.due_date.isoformat(), "to": requested_due_date.isoformat()},
        at=at,
    )
    notifications.notify(Notification.Kind.EXTENSION_REQUESTED, ticket, by=by, at=at, note=reason, requested=requested_due_date.isoformat())
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
    request.refresh_from_db()
    data = {"request_id": request.pk, "from": request.current_due_date.isoformat(), "to": request.requested_due_date.isoformat()}
    if approve:
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
        _open_assignments(ticket).update(due_date=request.requested_due_date)
    _record(
        ticket,
        actor=by,
        kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
        note=note,
        data=data,
        at=at,
    )
    notifications.notify(
        Notification.Kind.EXTENSION_DECIDED, ticket,
        by=by, at=at, note=note, decision=notifications.in_site_language(gettext_lazy("approved") if approve else gettext_lazy("refused")),
    )
    return request
