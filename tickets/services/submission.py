"""Submitting a problem (收集), with its reference number, and the idempotent form the API uses."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import notifications, rules
from tickets.models import (
    Category,
    EventKind,
    IdempotencyKey,
    Notification,
    ReferenceCounter,
    Ticket,
    Visit,
)
from tickets.services.base import ActionRefused, _record
from tickets.services.uploads import _store_attachments, validate_uploads

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from enterprises.models import Enterprise, User


def next_reference(at: datetime.datetime | None = None) -> str:
    """QY-2026-000123: the year's next number, unique under concurrent submissions.

    One upsert takes the counter row's lock and returns the new number in the same statement,
    so two transactions can never read the same value.
    """
    year = timezone.localdate(at or timezone.now()).year
    table = ReferenceCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last_number) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [year],
        )
        number = cursor.fetchone()[0]
    return f"{settings.TICKET_REFERENCE_PREFIX}-{year}-{number:06d}"


# --------------------------------------------------------------------------------------------
# submission
# --------------------------------------------------------------------------------------------


def ticket_submit(
    *,
    by: User,
    enterprise: Enterprise,
    category: Category,
    title: str,
    description: str,
    priority: str,
    channel: str | None = None,
    files: Sequence[UploadedFile] = (),
    contact_name: str = "",
    contact_phone: str = "",
    at: datetime.datetime | None = None,
    visit: Visit | None = None,
) -> Ticket:
    """A company (or its liaison, or dispatch taking a hotline call) raises a problem; `visit`, the
    liaison's visit it was found on (tickets.services.visits.visit_record, in the same transaction)."""
    if not rules.may_submit_for(by, enterprise.pk):
        raise ActionRefused(_("You cannot submit a problem for this company."), code="forbidden")
    if not category.is_active:
        raise ActionRefused(_("This category no longer takes new problems; choose another."), code="invalid")
    if channel is None:
        channel = "liaison" if by.is_liaison else "hotline" if by.is_dispatcher else "web"
    validate_uploads(files)
    at = at or timezone.now()
    with transaction.atomic():
        ticket = Ticket(
            reference=next_reference(at),
            enterprise=enterprise,
            category=category,
            title=title,
            description=description,
            priority=priority,
            channel=channel,
            submitted_by=by,
            contact_name=contact_name or enterprise.contact_name,
            contact_phone=contact_phone or enterprise.contact_phone,
            submitted_at=at,
            visit=visit,
        )
        # The field rules (lengths, choices, the contact's phone); not whether the company, category,
        # submitter and visit exist: they are the instances the caller read, and the foreign keys
        # hold the rest (full_clean asked the database once for each: three queries per submission).
        ticket.full_clean(exclude=["reference", "status", "supervision_level", "enterprise", "category", "submitted_by", "visit"])
        ticket.save()
        data = {"visit": visit.pk} if visit is not None else None
        event = _record(ticket, actor=by, kind=EventKind.SUBMITTED, to_state=ticket.status, data=data, at=at)
        _store_attachments(ticket, files, by=by, event=event)
        notifications.notify(Notification.Kind.SUBMITTED, ticket, by=by, at=at)
    return ticket


def ticket_submit_once(*, key: str, fingerprint: str, by: User, **submission: Any) -> tuple[Ticket, bool]:
    """ticket_submit() under a client's idempotency key: the first request with this key creates
    the ticket; a repeat (even one arriving while the first is still running) gets that ticket.

    Returns (ticket, created). The key is claimed by an INSERT … ON CONFLICT DO NOTHING in the
    same transaction as the ticket: a concurrent repeat waits on the key's unique index until the
    first commits (then finds its ticket) or rolls back (then creates the ticket itself), so a
    refused submission leaves no key behind and the corrected request can reuse it.
    """
    table = IdempotencyKey._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (user_id, key, fingerprint, created_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
                [by.pk, key, fingerprint, timezone.now()],
            )
            claimed = cursor.fetchone()
        if claimed is None:
            earlier = IdempotencyKey.objects.select_related("ticket").get(user=by, key=key)
            if earlier.fingerprint != fingerprint:
                raise ActionRefused(
                    _("This Idempotency-Key was already used for a different request; use a new key for a new problem."),
                    code="idempotency_key_reused",
                )
            assert earlier.ticket is not None  # set in the transaction that claimed the key
            return earlier.ticket, False
        ticket = ticket_submit(by=by, **submission)
        IdempotencyKey.objects.filter(pk=claimed[0]).update(ticket=ticket)
    return ticket, True
