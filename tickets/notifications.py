"""Notifications: who is told what, the message texts, and e-mail delivery.

Rows are created inside the transaction that caused them; e-mail sending is queued only after
that transaction commits, and a broker that is down never fails the action: the periodic
`send_notification_emails` task picks up whatever is still pending.
"""

import contextlib
import datetime
import logging
import threading
import time
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from enterprises.models import User

from .models import Notification, SupervisionLevel

logger = logging.getLogger(__name__)

Kind = Notification.Kind

# Subject and opening line of each kind. %(ref)s, %(title)s, %(due)s, %(department)s and
# %(note)s come from the ticket and the action.
_TEXTS = {
    Kind.SUBMITTED: (gettext_noop("New ticket %(ref)s: %(title)s"), gettext_noop("%(company)s submitted a problem that waits for dispatch.")),
    Kind.ASSIGNED: (gettext_noop("Assigned to you: %(ref)s %(title)s"), gettext_noop("Your department has a new ticket. Sign for it by %(sign_by)s; it is due %(due)s.")),
    Kind.REJECTED: (gettext_noop("Not accepted: %(ref)s %(title)s"), gettext_noop("Your problem was not accepted. Reason: %(note)s")),
    Kind.RETURNED: (gettext_noop("Returned: %(ref)s %(title)s"), gettext_noop("%(department)s returned this ticket to dispatch. Reason: %(note)s")),
    Kind.RESOLVED: (gettext_noop("Please confirm the result: %(ref)s %(title)s"), gettext_noop("The department reports your problem solved. Please confirm and rate the result, or send it back.")),
    Kind.REOPENED: (gettext_noop("Reopened: %(ref)s %(title)s"), gettext_noop("The company is not satisfied and sent the ticket back. It is now due %(due)s. Comment: %(note)s")),
    Kind.CLOSED: (gettext_noop("Closed: %(ref)s %(title)s"), gettext_noop("The company confirmed the result; the ticket is closed.")),
    Kind.SUPERVISED: (gettext_noop("Supervision (%(level)s): %(ref)s %(title)s"), gettext_noop("The supervision office raised supervision on this ticket. Notice: %(note)s")),
    Kind.EXTENSION_REQUESTED: (gettext_noop("Extension requested: %(ref)s %(title)s"), gettext_noop("%(department)s asks to move the due date from %(due)s to %(requested)s. Reason: %(note)s")),
    Kind.EXTENSION_DECIDED: (gettext_noop("Extension %(decision)s: %(ref)s %(title)s"), gettext_noop("Your extension request was %(decision)s. The due date is %(due)s. %(note)s")),
    Kind.DUE_SOON: (gettext_noop("Due soon: %(ref)s %(title)s"), gettext_noop("This ticket is due %(due)s.")),
    Kind.UNSIGNED: (gettext_noop("Not signed in time: %(ref)s %(title)s"), gettext_noop("This ticket should have been signed for by %(sign_by)s.")),
    Kind.OVERDUE: (gettext_noop("Overdue: %(ref)s %(title)s"), gettext_noop("This ticket was due %(due)s and is not resolved. Supervision: %(level)s.")),
    Kind.LONG_OVERDUE: (gettext_noop("Long overdue: %(ref)s %(title)s"), gettext_noop("This ticket was due %(due)s and is still not resolved %(days)s working days later. Supervision: %(level)s.")),
    Kind.AUTO_CLOSED: (gettext_noop("Closed without an answer: %(ref)s %(title)s"), gettext_noop("The result was reported on %(resolved)s and the company did not answer, so the ticket was closed.")),
}


def _ticket_path(reference):
    return reverse("ticket_detail", args=[reference])


_FOOTER = gettext_noop("This message was sent by the Enterprise Issue Resolution System.")


def email_body(text, link="", footer=None):
    """A message's body as e-mailed: its text, the line with its link (if any), and the footer
    every message ends with. Call it in the site's language; the Composer passes the footer it
    translated once per kind."""
    footer = footer or _(_FOOTER)
    return f"{text}\n\n{link}\n\n{footer}" if link else f"{text}\n\n{footer}"


class Composer:
    """Writes the messages of one kind. The texts are translated once, into the site's language
    (Chinese by default), then filled in per ticket: the sweep composes thousands at a time."""

    def __init__(self, kind):
        subject_text, body_text = _TEXTS[kind]
        with translation.override(settings.LANGUAGE_CODE):
            self.subject, self.body = _(subject_text), _(body_text)
            self.link = _("Open the ticket: %(url)s")
            self.footer = _(_FOOTER)
            self.levels = {value: str(label) for value, label in SupervisionLevel.choices}

    def __call__(self, facts):
        """(subject, body) for one ticket's facts."""
        values = {key: value if value not in (None, "") else "—" for key, value in facts.items()}
        if "level" in values:
            values["level"] = self.levels.get(values["level"], values["level"])
        link = self.link % {"url": settings.SITE_URL + _ticket_path(facts["ref"])}
        return (self.subject % values)[:200], email_body(self.body % values, link, self.footer)


# The ticket columns a message may mention: what the sweep loads for the tickets it claimed.
FACT_COLUMNS = (
    "id", "reference", "title", "enterprise_id", "enterprise__name", "department_id", "department__name",
    "due_date", "response_due_date", "resolved_at", "supervision_level",
)


def facts_from_row(row, **extra):
    """The values a message may mention, from a dict of FACT_COLUMNS. `level` stays the raw
    supervision value; the Composer shows its label."""
    facts = {
        "ref": row["reference"],
        "title": row["title"],
        "company": row["enterprise__name"] or "",
        "department": row["department__name"] or "",
        "due": row["due_date"].isoformat() if row["due_date"] else "",
        "sign_by": row["response_due_date"].isoformat() if row["response_due_date"] else "",
        "resolved": timezone.localdate(row["resolved_at"]).isoformat() if row["resolved_at"] else "",
        "level": row["supervision_level"],
        "days": settings.SUPERVISION_RED_AFTER_WORKING_DAYS,
        "note": "",
    }
    facts.update(extra)
    return facts


def ticket_facts(ticket, **extra):
    """The values a message may mention, from a Ticket."""
    row = {
        "reference": ticket.reference,
        "title": ticket.title,
        "enterprise__name": ticket.enterprise.name if ticket.enterprise_id else "",
        "department__name": ticket.department.name if ticket.department_id else "",
        "due_date": ticket.due_date,
        "response_due_date": ticket.response_due_date,
        "resolved_at": ticket.resolved_at,
        "supervision_level": ticket.supervision_level,
    }
    return facts_from_row(row, **extra)


_SYSTEM_NOTES = {
    "overdue": gettext_noop("Overdue: the due date has passed without a result. Yellow-card supervision."),
    "long_overdue": gettext_noop("Still not resolved %(days)s working days after the due date. Red-card supervision."),
    "no_answer": gettext_noop("No answer from the company."),
}


def in_site_language(lazy_or_text):
    """A word computed during a request, in the language messages are written in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(lazy_or_text)


def system_note(key, **values):
    """The note the system writes on a ticket's timeline, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(_SYSTEM_NOTES[key]) % values if values else _(_SYSTEM_NOTES[key])


# --- who is told -----------------------------------------------------------------------------


def department_staff(department_id):
    return list(User.objects.filter(role=User.Role.DEPARTMENT, department_id=department_id, is_active=True))


def company_sides(enterprise_ids):
    """{enterprise id: its active users and liaison officials}, in two queries per 1000 companies."""
    from enterprises.models import Enterprise

    sides, ids = defaultdict(dict), list(enterprise_ids)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for user in User.objects.filter(is_active=True, role=User.Role.COMPANY, enterprise_id__in=chunk):
            sides[user.enterprise_id][user.pk] = user
        links = Enterprise.liaisons.through.objects.filter(
            enterprise_id__in=chunk, user__is_active=True, user__role=User.Role.LIAISON
        ).select_related("user")
        for link in links:
            sides[link.enterprise_id][link.user_id] = link.user
    return {enterprise_id: list(users.values()) for enterprise_id, users in sides.items()}


def company_side(enterprise_id):
    """The company's users and its liaison officials."""
    return company_sides([enterprise_id]).get(enterprise_id, [])


def role_members(*roles):
    return list(User.objects.filter(role__in=roles, is_active=True))


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
    from . import tasks

    try:
        tasks.send_notification_emails.delay()
    except Exception:  # noqa: BLE001 — any broker failure means "later", never an error page
        logger.warning("Could not queue e-mail sending; the periodic task will send them", exc_info=True)


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
