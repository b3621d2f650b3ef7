"""Progress notes and files on a ticket's timeline."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from tickets import rules
from tickets.models import (
    EventKind,
    Ticket,
    TicketEvent,
)
from tickets.services.base import ActionRefused, _locked, _record
from tickets.services.uploads import _store_attachments, validate_uploads

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from enterprises.models import User


@transaction.atomic
def ticket_comment(
    *, ticket: Ticket, by: User, text: str, files: Sequence[UploadedFile] = (), at: datetime.datetime | None = None
) -> TicketEvent:
    """A progress note (with optional files) on the timeline."""
    if not (text or "").strip() and not files:
        raise ActionRefused(_("Write a note or attach a file."), code="invalid")
    validate_uploads(files)
    ticket = _locked(ticket)
    if not rules.may_comment(by, ticket):
        raise ActionRefused(_("You cannot add notes to this ticket."), code="forbidden")
    kind = EventKind.COMMENT if (text or "").strip() else EventKind.ATTACHMENT
    event = _record(ticket, actor=by, kind=kind, note=(text or "").strip(), at=at)
    _store_attachments(ticket, files, by=by, event=event)
    return event
