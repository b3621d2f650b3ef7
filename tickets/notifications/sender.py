"""Sending the deliveries that are due, for any channel (tickets.notifications.channels): claims
them in batches, sends each batch over one connection, records each outcome on its Delivery row,
and retries failures with exponential backoff until the channel's max_attempts.

A claimed batch is leased: its rows' next attempt is moved to the lease's end, out of every other
worker's poll, and a row is the batch's only while it still has that value. A worker that dies
mid-way leaves its rows to the next poll after the lease; one that runs close to the end of its
lease stops and puts the rest back.
"""

import datetime
import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tickets.models import Delivery
from tickets.notifications import outbox
from tickets.notifications.channels import CHANNELS

logger = logging.getLogger(__name__)
Status = Delivery.Status


def claim_lease():
    """How long a worker holds a batch it claimed before another may take it (if it died
    mid-way): settings.DELIVERY_LEASE_SECONDS."""
    return datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


def lease_margin():
    """A batch stops sending this long before its lease ends (a fifth of it), so that the delivery
    in flight (opening a connection and each step of sending may wait the channel's timeout,
    EMAIL_TIMEOUT) is recorded before the rows can be claimed again."""
    return claim_lease() / 5


# The lease is timed on this clock from the claim, whatever `now` the caller passed.
_clock = time.monotonic


def claim_batch(channel, now, limit):
    """Claim up to `limit` due deliveries of `channel`: exactly one worker gets each (row locks
    skip what another worker holds; the lease moves them out of everyone else's poll). Returns
    the ids and the lease: a row is this batch's while its next attempt is still that value."""
    lease = now + claim_lease()
    with transaction.atomic():
        ids = list(
            Delivery.objects.due(channel.kind, now)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(next_attempt_at=lease)
    return ids, lease


def send_due(channel, now=None, batch_size=200, max_batches=50):
    """Send every delivery of `channel` that is due, in batches. Returns (sent, failed). A batch
    that cannot reach the server or runs short of its lease ends the run; the periodic task goes on."""
    sent = failed = 0
    for _batch in range(max_batches):
        now_batch = now or timezone.now()
        ids, lease = claim_batch(channel, now_batch, batch_size)
        if not ids:
            break
        batch_sent, batch_failed, finished = _send_batch(channel, ids, now_batch, lease)
        sent, failed = sent + batch_sent, failed + batch_failed
        if not finished or len(ids) < batch_size:
            break
    return sent, failed


def send_due_emails(now=None, batch_size=200, max_batches=50):
    """send_due() of the e-mail channel: the periodic task tickets.send_notification_emails."""
    return send_due(CHANNELS[Delivery.Channel.EMAIL], now=now, batch_size=batch_size, max_batches=max_batches)


def send_due_over(kind, now=None, batch_size=200, max_batches=50):
    """send_due() of one channel if it is on (the tasks tickets.send_channel and tickets.send_sms,
    send_wecom, send_dingtalk); (0, 0) if it is off."""
    channel = CHANNELS[kind]
    if not channel.is_configured:
        return 0, 0
    return send_due(channel, now=now, batch_size=batch_size, max_batches=max_batches)


def _owned(delivery, lease):
    """The row, if it is still this batch's: after the lease another worker may have claimed it."""
    return Delivery.objects.filter(pk=delivery.pk, next_attempt_at=lease)


def _undeliverable(channel, user):
    """Why nothing can be sent to `user` over `channel` now (the address may have been removed,
    or the account closed, since the message was written), or None."""
    if not channel.address_of(user):
        return Status.NO_ADDRESS
    if not user.is_active:
        return Status.NOT_SENT
    return None


def _send_batch(channel, ids, now, lease):
    """Send one claimed batch over one connection, reopened after a failed send. Returns (sent,
    failed, finished); finished is False if the batch stopped early."""
    deadline = _clock() + (claim_lease() - lease_margin()).total_seconds()
    todo = []
    for delivery in Delivery.objects.filter(pk__in=ids).select_related("notification__recipient", "notification__ticket").order_by("id"):
        status = _undeliverable(channel, delivery.notification.recipient)
        if status:
            _owned(delivery, lease).update(status=status, next_attempt_at=None)
        else:
            todo.append(delivery)
    sent = failed = 0
    connection, is_open = channel.connection(), False
    try:
        for index, delivery in enumerate(todo):
            if _clock() >= deadline:
                # Too close to the end of the lease: the rest goes back to the poll, unattempted.
                Delivery.objects.filter(pk__in=[d.pk for d in todo[index:]], next_attempt_at=lease).update(next_attempt_at=now)
                logger.warning("%s batch stopped before its lease ran out; %s left for the next run", channel.kind, len(todo) - index)
                return sent, failed, False
            if not is_open:
                try:
                    connection.open()
                    is_open = True
                except Exception as error:  # noqa: BLE001 — refused, timed out, TLS or login failed
                    # One connection attempt for the batch rather than one timeout per delivery:
                    # each one left counts a failed attempt and is retried with its backoff.
                    failed += sum(_record_failure(channel, d, error, now, lease) for d in todo[index:])
                    logger.warning("Could not connect for %s; %s deliveries will be retried: %s", channel.kind, len(todo) - index, error)
                    return sent, failed, False
            ok, recorded = _send_one(channel, delivery, connection, now, lease)
            if recorded:
                sent, failed = sent + ok, failed + (not ok)
            if not ok:
                # The connection may be broken: the next delivery opens a new one.
                _close(connection)
                is_open = False
    finally:
        _close(connection)
    return sent, failed, True


def _close(connection):
    try:
        connection.close()
    except Exception:  # noqa: BLE001
        logger.warning("Closing the connection failed", exc_info=True)


def _record_failure(channel, delivery, error, now, lease):
    """Count a failed attempt and schedule the next one (or give up). False if the row is no
    longer this batch's."""
    attempts = delivery.attempts + 1
    gave_up = attempts >= channel.max_attempts
    delay = datetime.timedelta(seconds=channel.retry_base_seconds * 2 ** (attempts - 1))
    return bool(
        _owned(delivery, lease).update(
            status=Status.GAVE_UP if gave_up else Status.FAILED,
            attempts=attempts,
            next_attempt_at=None if gave_up else now + delay,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
    )


def _send_one(channel, delivery, connection, now, lease):
    """Count the attempt, send one delivery and record the outcome. Returns (sent, recorded): not
    recorded if another worker took the row meanwhile (it then sends or retries it). The attempt
    is counted before sending, so that a worker killed between the server's answer and the record
    leaves a row that says it was tried (sent again by the next claim: attempts 2)."""
    if not _owned(delivery, lease).update(attempts=delivery.attempts + 1):
        return False, False  # the lease ran out and another worker has the row: it sends it
    try:
        provider_id = channel.send(delivery, connection)
    except Exception as error:  # noqa: BLE001 — SMTP errors, providers' errors, timeouts, refused connections
        logger.warning(
            "%s delivery %s to %s failed (attempt %s): %s",
            channel.kind,
            delivery.pk,
            channel.address_of(delivery.notification.recipient),
            delivery.attempts + 1,
            error,
        )
        return False, _record_failure(channel, delivery, error, now, lease)
    recorded = _owned(delivery, lease).update(
        status=Status.SENT,
        attempts=delivery.attempts + 1,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
        provider_message_id=str(provider_id or "")[:100],
    )
    if not recorded:
        logger.warning("%s delivery %s was sent after its batch's lease ran out; another worker has it now", channel.kind, delivery.pk)
    return True, bool(recorded)


# --- trying again by hand ----------------------------------------------------------------------


def retry_now(deliveries):
    """Try the failed and given-up ones of `deliveries` again now, with a fresh count of attempts
    (one that gave up gets its full retries again); sending is queued once the surrounding
    transaction commits. Returns how many."""
    count = deliveries.filter(status__in=[Status.FAILED, Status.GAVE_UP]).update(
        status=Status.FAILED, attempts=0, next_attempt_at=timezone.now()
    )
    if count:
        outbox.queue_after_commit()
    return count
