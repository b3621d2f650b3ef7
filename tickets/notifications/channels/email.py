"""The e-mail channel: claims due e-mails in batches, sends them over one SMTP connection per batch,
records each outcome, and retries failures with exponential backoff.
"""

import datetime
import logging
import time
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from tickets.models import Notification
logger = logging.getLogger(__name__)

# --- sending ---------------------------------------------------------------------------------

# How long a worker holds a batch it claimed before another may take it (if it died mid-way).
CLAIM_LEASE = datetime.timedelta(minutes=10)
# A batch stops sending this long before its lease ends, so that the e-mail in flight (opening
# a connection and each step of sending may wait EMAIL_TIMEOUT) is recorded before the rows can
# be claimed again.
LEASE_MARGIN = datetime.timedelta(minutes=2)

# The lease is timed on this clock from the claim, whatever `now` the caller passed.
_clock = time.monotonic


def _claim_batch(now, limit):
    """Claim up to `limit` due e-mails: exactly one worker gets each (row locks skip what
    another worker holds; the lease moves them out of everyone else's poll). Returns the ids
    and the lease: a row is this batch's while its next attempt is still that value."""
    lease = now + CLAIM_LEASE
    with transaction.atomic():
        ids = list(
            Notification.objects.emails_due(now)
            .order_by("email_next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Notification.objects.filter(pk__in=ids).update(email_next_attempt_at=lease)
    return ids, lease


def send_due_emails(now=None, batch_size=200, max_batches=50):
    """Send every e-mail that is due, in batches. Returns (sent, failed). A batch that cannot
    reach the server or runs short of its lease ends the run; the periodic task goes on."""
    sent = failed = 0
    for _batch in range(max_batches):
        now_batch = now or timezone.now()
        ids, lease = _claim_batch(now_batch, batch_size)
        if not ids:
            break
        batch_sent, batch_failed, finished = _send_batch(ids, now_batch, lease)
        sent, failed = sent + batch_sent, failed + batch_failed
        if not finished or len(ids) < batch_size:
            break
    return sent, failed


def _owned(notification, lease):
    """The row, if it is still this batch's: after the lease another worker may have claimed it."""
    return Notification.objects.filter(pk=notification.pk, email_next_attempt_at=lease)


def _undeliverable(user):
    """Why nothing can be e-mailed to `user` now (the address may have been removed, or the
    account closed, since the message was written), or None."""
    if not user.email:
        return Notification.EmailStatus.NO_ADDRESS
    if not user.is_active:
        return Notification.EmailStatus.NOT_SENT
    return None


def _send_batch(ids, now, lease):
    """Send one claimed batch over one connection, reopened after a failed send. Returns (sent,
    failed, finished); finished is False if the batch stopped early."""
    deadline = _clock() + (CLAIM_LEASE - LEASE_MARGIN).total_seconds()
    todo = []
    for notification in Notification.objects.filter(pk__in=ids).select_related("recipient").order_by("id"):
        status = _undeliverable(notification.recipient)
        if status:
            _owned(notification, lease).update(email_status=status, email_next_attempt_at=None)
        else:
            todo.append(notification)
    sent = failed = 0
    connection, is_open = get_connection(fail_silently=False), False
    try:
        for index, notification in enumerate(todo):
            if _clock() >= deadline:
                # Too close to the end of the lease: the rest goes back to the poll, unattempted.
                Notification.objects.filter(pk__in=[n.pk for n in todo[index:]], email_next_attempt_at=lease).update(email_next_attempt_at=now)
                logger.warning("E-mail batch stopped before its lease ran out; %s e-mails left for the next run", len(todo) - index)
                return sent, failed, False
            if not is_open:
                try:
                    connection.open()
                    is_open = True
                except Exception as error:  # noqa: BLE001 — refused, timed out, TLS or login failed
                    # One connection attempt for the batch rather than one timeout per e-mail:
                    # each e-mail left counts a failed attempt and is retried with its backoff.
                    failed += sum(_record_failure(n, error, now, lease) for n in todo[index:])
                    logger.warning("Could not connect to the e-mail server; %s e-mails will be retried: %s", len(todo) - index, error)
                    return sent, failed, False
            ok, recorded = _send_one(notification, connection, now, lease)
            if recorded:
                sent, failed = sent + ok, failed + (not ok)
            if not ok:
                # The connection may be broken: the next e-mail opens a new one.
                _close(connection)
                is_open = False
    finally:
        _close(connection)
    return sent, failed, True


def _close(connection):
    try:
        connection.close()
    except Exception:  # noqa: BLE001
        logger.warning("Closing the e-mail connection failed", exc_info=True)


def _record_failure(notification, error, now, lease):
    """Count a failed attempt and schedule the next one (or give up). False if the row is no
    longer this batch's."""
    attempts = notification.email_attempts + 1
    gave_up = attempts >= settings.EMAIL_MAX_ATTEMPTS
    delay = datetime.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return bool(
        _owned(notification, lease).update(
            email_status=Notification.EmailStatus.GAVE_UP if gave_up else Notification.EmailStatus.FAILED,
            email_attempts=attempts,
            email_next_attempt_at=None if gave_up else now + delay,
            email_error=f"{type(error).__name__}: {error}"[:2000],
        )
    )


def _send_one(notification, connection, now, lease):
    """Send one e-mail and record the outcome. Returns (sent, recorded): not recorded if another
    worker took the row meanwhile (it then sends or retries it)."""
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        connection=connection,
    )
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 — SMTP errors, timeouts, refused connections
        logger.warning(
            "E-mail %s to %s failed (attempt %s): %s", notification.pk, notification.recipient.email, notification.email_attempts + 1, error
        )
        return False, _record_failure(notification, error, now, lease)
    recorded = _owned(notification, lease).update(
        email_status=Notification.EmailStatus.SENT,
        email_attempts=notification.email_attempts + 1,
        email_sent_at=timezone.now(),
        email_next_attempt_at=None,
        email_error="",
    )
    if not recorded:
        logger.warning("E-mail %s was sent after its batch's lease ran out; another worker has it now", notification.pk)
    return True, bool(recorded)
