"""Creating notifications inside the action's transaction, and queueing their delivery after it commits.

A broker that is down never fails the action: the periodic `send_notification_emails` task picks up
whatever is still pending.
"""

import contextlib
import logging
import threading
from django.db import connection, transaction
from django.utils import timezone
from tickets import background
from tickets.models import Notification
from tickets.notifications.texts import Composer, _ticket_path, ticket_facts
logger = logging.getLogger(__name__)
Kind = Notification.Kind

# --- creating --------------------------------------------------------------------------------


_suppressed = threading.local()


@contextlib.contextmanager
def emails_suppressed():
    """Record notifications in the app without e-mailing them (loading historical data)."""
    _suppressed.on = True
    try:
        yield
    finally:
        _suppressed.on = False


def email_status_for(user):
    if getattr(_suppressed, "on", False):
        return Notification.EmailStatus.NOT_SENT
    return Notification.EmailStatus.PENDING if user.email else Notification.EmailStatus.NO_ADDRESS


# Columns of a notification row as inserted in bulk (see insert_rows).
ROW_COLUMNS = ("recipient_id", "ticket_id", "kind", "subject", "body", "url", "created_at", "email_status", "email_attempts", "email_next_attempt_at", "email_error")
_EMAIL_STATUS = ROW_COLUMNS.index("email_status")


def message_row(user, kind, subject, body, url, now, ticket_id=None):
    """One notification as a row tuple (ROW_COLUMNS)."""
    status = email_status_for(user)
    return (user.pk, ticket_id, kind, subject[:200], body, url, now, status, 0, now if status == Notification.EmailStatus.PENDING else None, "")


def rows_for(kind, recipients, *, ticket_id, reference, subject, body, now, exclude=None):
    """Row tuples, one per distinct recipient, never the person who acted."""
    url = _ticket_path(reference) if reference else ""
    seen, rows = {exclude.pk} if exclude is not None else set(), []
    for user in recipients:
        if user.pk not in seen:
            seen.add(user.pk)
            rows.append(message_row(user, kind, subject, body, url, now, ticket_id))
    return rows


def build(kind, recipients, *, ticket_id, reference, facts, now=None, exclude=None, composer=None):
    """Row tuples for telling `recipients` about one ticket."""
    subject, body = (composer or Composer(kind))(facts)
    return rows_for(kind, recipients, ticket_id=ticket_id, reference=reference, subject=subject, body=body, now=now or timezone.now(), exclude=exclude)


def insert_rows(rows):
    """Insert row tuples in bulk: COPY on PostgreSQL (the sweep may write tens of thousands),
    bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {Notification._meta.db_table} ({', '.join(ROW_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        Notification.objects.bulk_create([Notification(**dict(zip(ROW_COLUMNS, row))) for row in rows], batch_size=500)


def waits_for_email(rows):
    """Whether any of the row tuples is to be e-mailed."""
    return any(row[_EMAIL_STATUS] == Notification.EmailStatus.PENDING for row in rows)


def save_and_queue(rows, queue=True):
    """Store the rows (tuples from build/rows_for) and, once the surrounding transaction
    commits, queue their e-mails. A run that saves many groups of rows passes queue=False and
    calls queue_after_commit() once at the end: one broker message per run, not per group."""
    if not rows:
        return 0
    insert_rows(rows)
    if queue and waits_for_email(rows):
        queue_after_commit()
    return len(rows)


def queue_after_commit():
    """Queue the sending of pending e-mails once the surrounding transaction commits (at once
    outside a transaction)."""
    transaction.on_commit(queue_email_sending)


def notify(kind, ticket, recipients, *, by=None, at=None, **extra):
    """Tell `recipients` about `ticket` (inside the action's transaction); `by` is not told."""
    rows = build(
        kind, recipients, ticket_id=ticket.pk, reference=ticket.reference, facts=ticket_facts(ticket, **extra), now=at, exclude=by
    )
    return save_and_queue(rows)


def queue_email_sending():
    """Ask a worker to send pending e-mails. If the broker cannot be reached, the periodic task
    sends them later; the action that created them has already succeeded."""
    background.enqueue("tickets.send_notification_emails", failure="Could not queue e-mail sending; the periodic task will send them")
