"""Supervision (督办): raising a yellow or red card."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from tickets import notifications
from tickets.models import (
    EventKind,
    Notification,
    SupervisionLevel,
    Ticket,
    TicketEvent,
)
from tickets.services.base import ActionRefused, _locked, _record, _require_text, _save

if TYPE_CHECKING:
    from enterprises.models import User

# --------------------------------------------------------------------------------------------
# supervision (督办)
# --------------------------------------------------------------------------------------------

_RAISE_METHOD: dict[str, str] = {SupervisionLevel.YELLOW: "raise_to_yellow", SupervisionLevel.RED: "raise_to_red"}


def _raise_supervision(ticket: Ticket, *, by: User | None, level: str, notice: str, at: datetime.datetime | None = None) -> TicketEvent:
    method = getattr(ticket, _RAISE_METHOD[level])
    if not can_proceed(method):
        raise ActionRefused(
            _("Supervision is already at “%(level)s” or the ticket is finished; it can only go up on an open ticket.")
            % {"level": ticket.get_supervision_level_display()},
            code="invalid_state",
        )
    if by is not None and not has_transition_perm(method, by):
        raise ActionRefused(_("Only the supervision office can raise supervision."), code="forbidden")
    from_level = ticket.supervision_level
    method()
    _save(ticket)
    return _record(
        ticket,
        actor=by,
        kind=EventKind.SUPERVISION,
        from_state=from_level,
        to_state=ticket.supervision_level,
        note=notice,
        at=at,
    )


@transaction.atomic
def ticket_raise_supervision(*, ticket: Ticket, by: User, level: str, notice: str, at: datetime.datetime | None = None) -> Ticket:
    """A supervisor raises a yellow or red card by hand, with a written notice."""
    if level not in _RAISE_METHOD:
        raise ActionRefused(_("Choose yellow or red."), code="invalid")
    notice = _require_text(notice, _("Write the supervision notice."))
    ticket = _locked(ticket)
    _raise_supervision(ticket, by=by, level=level, notice=notice, at=at)
    notifications.notify(Notification.Kind.SUPERVISED, ticket, by=by, at=at, note=notice)
    return ticket
