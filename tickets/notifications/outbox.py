"""Creating notifications inside the action's transaction, each with one Delivery row per channel
that is on (tickets.notifications.channels), and queueing their delivery after it commits.

A broker that is down never fails the action: the periodic `send_notification_emails` task picks up
whatever is still pending.
"""

import contextlib
import logging
import threading

from django.db import connection, transaction
from django.utils import timezone

from tickets import background
from tickets.models import Delivery, Notification
from tickets.notifications import channels, preferences
from tickets.notifications.recipients import recipients_for
from tickets.notifications.texts import Composer, _ticket_path, ticket_facts

logger = logging.getLogger(__name__)
Kind = Notification.Kind
Status = Delivery.Status

# --- creating --------------------------------------------------------------------------------


_suppressed = threading.local()


@contextlib.contextmanager
def emails_suppressed():
    """Record notifications in the app without delivering them over any channel (loading
    historical data): their deliveries are written as not sent."""
    _suppressed.on = True
    try:
        yield
    finally:
        _suppressed.on = False


def delivery_status_for(channel, user):
    """The status a new delivery to `user` over `channel` starts with."""
    if getattr(_suppressed, "on", False):
        return Status.NOT_SENT
    return Status.PENDING if channel.address_of(user) else Status.NO_ADDRESS


# A row: the notification's ROW_COLUMNS, then its deliveries, ((channel, status), …) one per
# channel that is on (channels.active()). Plain tuples: the sweep builds tens of thousands at a time (see insert_rows).
ROW_COLUMNS = ("recipient_id", "ticket_id", "kind", "subject", "body", "url", "created_at")
_CREATED_AT = ROW_COLUMNS.index("created_at")
# The columns of a Delivery row as inserted in bulk, from its notification's row.
DELIVERY_COLUMNS = ("notification_id", "channel", "status", "attempts", "next_attempt_at", "last_error", "created_at")


def deliveries_of(user, kind=None):
    """A new notification's deliveries to `user`: ((channel, status), …), one per channel that is
    on and that `user` has not switched off for `kind` (tickets.notifications.preferences)."""
    off = preferences.switched_off(user, kind) if kind else ()
    return tuple((channel.kind, delivery_status_for(channel, user)) for channel in channels.active() if channel.kind not in off)


def message_row(user, kind, subject, body, url, now, ticket_id=None, deliveries=None):
    """One notification and its deliveries as a row tuple (see ROW_COLUMNS)."""
    return (user.pk, ticket_id, kind, subject[:200], body, url, now, deliveries if deliveries is not None else deliveries_of(user, kind))


def rows_for(kind, recipients, *, ticket_id, reference, subject, body, now, exclude=None, deliveries=None):
    """Row tuples, one per distinct recipient, never the person who acted. A run that writes
    many passes `deliveries`, a dict it keeps: each person's deliveries (their channels that are on
    and chosen for the kind) are worked out once per kind."""
    url = _ticket_path(reference) if reference else ""
    deliveries = {} if deliveries is None else deliveries
    seen, rows = {exclude.pk} if exclude is not None else set(), []
    for user in recipients:
        if user.pk not in seen:
            seen.add(user.pk)
            if (of_user := deliveries.get((user.pk, kind))) is None:
                of_user = deliveries[user.pk, kind] = deliveries_of(user, kind)
            rows.append(message_row(user, kind, subject, body, url, now, ticket_id, of_user))
    return rows


def build(kind, recipients, *, ticket_id, reference, facts, now=None, exclude=None, composer=None):
    """Row tuples for telling `recipients` about one ticket."""
    subject, body = (composer or Composer(kind))(facts)
    return rows_for(
        kind, recipients, ticket_id=ticket_id, reference=reference, subject=subject, body=body, now=now or timezone.now(), exclude=exclude
    )


def _delivery_values(notification_id, row):
    created_at = row[_CREATED_AT]
    for channel, status in row[-1]:
        yield (notification_id, channel, status, 0, created_at if status == Status.PENDING else None, "", created_at)


def insert_rows(rows):
    """Insert row tuples and their deliveries in bulk. On PostgreSQL (the sweep may write tens of
    thousands) in three statements whatever their number: the notifications' ids drawn from their
    sequence in one query, then both tables written with COPY. Elsewhere two bulk_creates (the
    notifications' ids come back from their INSERTs)."""
    from tickets.selectors.notifications import forget_unread_badges

    forget_unread_badges(row[0] for row in rows)
    if connection.vendor == "postgresql":
        table, deliveries = Notification._meta.db_table, Delivery._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)])
            ids = sorted(row[0] for row in cursor.fetchall())
            with cursor.cursor.copy(f"COPY {table} (id, {', '.join(ROW_COLUMNS)}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *row[:-1]))
            with cursor.cursor.copy(f"COPY {deliveries} ({', '.join(DELIVERY_COLUMNS)}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows, strict=True):
                    for values in _delivery_values(pk, row):
                        copy.write_row(values)
    else:
        notes = Notification.objects.bulk_create(
            [Notification(**dict(zip(ROW_COLUMNS, row[:-1], strict=True))) for row in rows], batch_size=500
        )
        Delivery.objects.bulk_create(
            [
                Delivery(**dict(zip(DELIVERY_COLUMNS, values, strict=True)))
                for note, row in zip(notes, rows, strict=True)
                for values in _delivery_values(note.pk, row)
            ],
            batch_size=500,
        )


def waits_for_delivery(rows):
    """Whether any of the row tuples has a delivery waiting to be sent."""
    return any(status == Status.PENDING for row in rows for _channel, status in row[-1])


def save_and_queue(rows, queue=True):
    """Store the rows (tuples from build/rows_for) and, once the surrounding transaction
    commits, queue their delivery. A run that saves many groups of rows passes queue=False and
    calls queue_after_commit() once at the end: one broker message per run, not per group."""
    if not rows:
        return 0
    insert_rows(rows)
    if queue and waits_for_delivery(rows):
        queue_after_commit()
    return len(rows)


def queue_after_commit():
    """Queue the sending of pending deliveries once the surrounding transaction commits (at once
    outside a transaction)."""
    transaction.on_commit(queue_email_sending)


def notify(kind, ticket, *, by=None, at=None, co_department=None, **extra):
    """Tell those who are told about `kind` (tickets.notifications.recipients) about `ticket`,
    inside the action's transaction; `by`, who acted, is not told. `extra` are facts the
    message mentions (note, department, …). A message about a co assignment names its
    department (`co_department`, a Department)."""
    if co_department is not None:
        extra.setdefault("co_department", co_department.name)
    rows = build(
        kind,
        recipients_for(kind, ticket, co_department.pk if co_department is not None else None),
        ticket_id=ticket.pk,
        reference=ticket.reference,
        facts=ticket_facts(ticket, **extra),
        now=at,
        exclude=by,
    )
    return save_and_queue(rows)


def queue_email_sending():
    """Ask a worker to send pending deliveries: one task per channel that is on, so that a slow or
    failing provider never holds up another channel. If the broker cannot be reached, the periodic
    tasks send them later; the action that created them has already succeeded."""
    for channel in channels.active():
        if channel.kind == Delivery.Channel.EMAIL:
            background.enqueue(
                "tickets.send_notification_emails", failure="Could not queue e-mail sending; the periodic task will send them"
            )
        else:
            background.enqueue(
                "tickets.send_channel", channel.kind, failure="Could not queue %(task)s %(args)s; the periodic task will send them"
            )
