"""What every action shares: the refusal, the row lock, the permission check, the event record,
the save, and the one transition helper every lifecycle action goes through.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from tickets.models import (
    Assignment,
    AssignmentRole,
    EventKind,
    ExtensionRequest,
    Ticket,
    TicketEvent,
)

if TYPE_CHECKING:
    from enterprises.models import User


class ActionRefused(Exception):
    """An action that the ticket's state or the user's role does not allow. Nothing was changed."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _locked(ticket: Ticket) -> Ticket:
    """The ticket's current row, locked until the transaction ends (PostgreSQL row lock; the
    fsm state check on save guards SQLite, which has no row locks)."""
    return Ticket.objects.select_for_update(of=("self",)).select_related("category", "enterprise", "last_department").get(pk=ticket.pk)


def _check(ticket: Ticket, method_name: str, user: User | None) -> None:
    method = getattr(ticket, method_name)
    if not can_proceed(method):
        raise ActionRefused(
            _("This action is not possible while the ticket is “%(status)s”.") % {"status": ticket.get_status_display()},
            code="invalid_state",
        )
    if user is not None and not has_transition_perm(method, user):
        raise ActionRefused(_("You are not allowed to do this on this ticket."), code="forbidden")


def _record(
    ticket: Ticket,
    *,
    actor: User | None,
    kind: str,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
        created_at=at or timezone.now(),
    )


def _save(obj: Ticket | Assignment) -> None:
    """Save a ticket or an assignment; a concurrent transition of the same row is refused."""
    try:
        obj.save()
    except ConcurrentTransition:
        raise ActionRefused(_("Someone else changed this ticket at the same moment. Reload it and try again."), code="conflict") from None


def _transition(
    ticket: Ticket,
    *,
    by: User | None,
    name: str,
    kind: str,
    note: str = "",
    data: dict[str, Any] | Callable[[Ticket], dict[str, Any]] | None = None,
    at: datetime.datetime | None = None,
    kwargs: dict[str, Any] | None = None,
) -> tuple[Ticket, TicketEvent]:
    """Run one lifecycle transition with its lock, permission check, event and save.

    `data` may be a function of the transitioned ticket, for facts the transition computes
    (a due date). Call inside transaction.atomic(); returns the locked, saved ticket and its event.
    """
    ticket = _locked(ticket)
    _check(ticket, name, by)
    from_state = ticket.status
    getattr(ticket, name)(**(kwargs or {}))
    _save(ticket)
    if callable(data):
        data = data(ticket)
    event = _record(ticket, actor=by, kind=kind, from_state=from_state, to_state=ticket.status, note=note, data=data, at=at)
    return ticket, event


# --------------------------------------------------------------------------------------------
# lifecycle transitions (DESIGN.md §3)
# --------------------------------------------------------------------------------------------


def _require_text(text: str, message: str) -> str:
    if not (text or "").strip():
        raise ActionRefused(message, code="invalid")
    return text.strip()


def _withdraw_pending_extensions(
    ticket: Ticket, at: datetime.datetime, reason: str, assignments: QuerySet[Assignment] | None = None
) -> None:
    """A request that no longer applies (the ticket left the department, or was resolved; the
    co assignment ended) is withdrawn, with its timeline entry, so that it blocks nothing and
    waits for no decision. `assignments`: only the requests about those (default: all)."""
    pending = ExtensionRequest.objects.filter(ticket=ticket, state=ExtensionRequest.State.PENDING)
    if assignments is not None:
        pending = pending.filter(Q(assignment__in=assignments) | Q(assignment__isnull=True))
    for request in pending:
        ExtensionRequest.objects.filter(pk=request.pk).update(state=ExtensionRequest.State.WITHDRAWN, decided_at=at, decision_note=reason)
        _record(
            ticket,
            actor=None,
            kind=EventKind.EXTENSION_WITHDRAWN,
            note=reason,
            data={"request_id": request.pk, "from": request.current_due_date.isoformat(), "to": request.requested_due_date.isoformat()},
            at=at,
        )


def _lead_assignment(ticket: Ticket) -> QuerySet[Assignment]:
    """The ticket's lead assignment in force (one at most: a lead assignment ends before the next)."""
    return Assignment.objects.filter(ticket=ticket, role=AssignmentRole.LEAD, ended_at__isnull=True)


def _open_co_assignments(ticket: Ticket) -> QuerySet[Assignment]:
    """The ticket's co assignments not ended (with or without feedback)."""
    return Assignment.objects.filter(ticket=ticket, role=AssignmentRole.CO, ended_at__isnull=True).select_related("department")
