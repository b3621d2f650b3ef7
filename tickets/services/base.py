"""What every action shares: the refusal, the row lock, the permission check, the event record,
the save, and the one transition helper every lifecycle action goes through.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm
from tickets.models import (
    Assignment,
    EventKind,
    ExtensionRequest,
    Ticket,
    TicketEvent,
)

class ActionRefused(Exception):
    """An action that the ticket's state or the user's role does not allow. Nothing was changed."""

    def __init__(self, message, code="refused"):
        super().__init__(message)
        self.message = message
        self.code = code


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _locked(ticket):
    """The ticket's current row, locked until the transaction ends (PostgreSQL row lock; the
    fsm state check on save guards SQLite, which has no row locks)."""
    return Ticket.objects.select_for_update(of=("self",)).select_related("category", "enterprise", "last_department").get(pk=ticket.pk)


def _check(ticket, method_name, user):
    method = getattr(ticket, method_name)
    if not can_proceed(method):
        raise ActionRefused(
            _("This action is not possible while the ticket is “%(status)s”.") % {"status": ticket.get_status_display()},
            code="invalid_state",
        )
    if user is not None and not has_transition_perm(method, user):
        raise ActionRefused(_("You are not allowed to do this on this ticket."), code="forbidden")


def _record(ticket, *, actor, kind, from_state="", to_state="", note="", data=None, at=None):
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


def _save(ticket):
    try:
        ticket.save()
    except ConcurrentTransition:
        raise ActionRefused(_("Someone else changed this ticket at the same moment. Reload it and try again."), code="conflict")


def _transition(ticket, *, by, name, kind, note="", data=None, at=None, kwargs=None):
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


def _require_text(text, message):
    if not (text or "").strip():
        raise ActionRefused(message, code="invalid")
    return text.strip()


def _withdraw_pending_extensions(ticket, at, reason):
    """A request that no longer applies (the ticket left the department, or was resolved) is
    withdrawn, with its timeline entry, so that it blocks nothing and waits for no decision."""
    for request in ExtensionRequest.objects.filter(ticket=ticket, state=ExtensionRequest.State.PENDING):
        ExtensionRequest.objects.filter(pk=request.pk).update(state=ExtensionRequest.State.WITHDRAWN, decided_at=at, decision_note=reason)
        _record(
            ticket,
            actor=None,
            kind=EventKind.EXTENSION_WITHDRAWN,
            note=reason,
            data={"request_id": request.pk, "from": request.current_due_date.isoformat(), "to": request.requested_due_date.isoformat()},
            at=at,
        )


def _open_assignments(ticket):
    """The ticket's assignment in force (one at most: an assignment ends before the next)."""
    return Assignment.objects.filter(ticket=ticket, ended_at__isnull=True)
