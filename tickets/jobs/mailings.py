"""Scheduled mailings: each department's daily digest and each company's monthly case history.
Each one is claimed by a unique row (department, day) or (company, month) before it is sent, so a
second run, or a second beat, sends nothing twice, and skips what is claimed before reading."""

import logging
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from tickets import notifications
from tickets.casefile import selectors as casefile_selectors
from tickets.models import CaseHistoryMailing, DepartmentDigest, Notification, Ticket

_CHUNK = 200
# What a mailing returns: (notifications saved, whether any waits for e-mail).
_NOTHING = (0, False)
logger = logging.getLogger(__name__)


def _claim(model, **key):
    """Insert the claim row; False if another run already did."""
    try:
        with transaction.atomic():
            model.objects.create(**key)
    except IntegrityError:
        return False
    return True


def send_department_digests(now=None):
    """Tell each department's staff, once a day, what is overdue and what is due within two
    working days. Departments with nothing due get nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Departments already sent today's digest are left out before anything is read.
    due = (
        Ticket.objects.overdue_or_due_soon(today)
        .exclude(department_id__in=DepartmentDigest.objects.filter(date=today).values("department_id"))
        .select_related("enterprise")
        .order_by("department_id", "due_date", "id")
    )
    by_department = defaultdict(list)
    for ticket in due:
        by_department[ticket.department_id].append(ticket)
    audience = notifications.Audience.for_kinds([Notification.Kind.DIGEST], department_ids=list(by_department))
    staff = {department_id: audience.of_department(Notification.Kind.DIGEST, department_id) for department_id in by_department}
    saved = [
        _isolated(_department_digest, department_id, tickets, staff[department_id], today, now)
        for department_id, tickets in by_department.items()
        if staff[department_id]
    ]
    return _queued(saved)


def _queued(saved):
    """The run's result from what each mailing saved. The e-mails are queued once, after every
    mailing committed: one broker message per run."""
    if any(pending for _count, pending in saved):
        notifications.queue_after_commit()
    return {"notifications": sum(count for count, _pending in saved)}


def _department_digest(department_id, tickets, staff, today, now):
    # The claim commits with the messages: a digest that failed to be written is not lost.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        if not _claim(DepartmentDigest, department_id=department_id, date=today):
            return _NOTHING
        overdue = [t for t in tickets if t.due_date < today]
        upcoming = [t for t in tickets if t.due_date >= today]
        subject = _("Daily digest %(date)s: %(overdue)s overdue, %(upcoming)s due soon") % {
            "date": today.isoformat(),
            "overdue": len(overdue),
            "upcoming": len(upcoming),
        }
        parts = []
        for heading, group in ((_("Overdue"), overdue), (_("Due within two working days"), upcoming)):
            if group:
                lines = [f"{heading}:"]
                lines.extend(f"  {t.reference}  {t.due_date.isoformat()}  {t.title}  ({t.enterprise.name})" for t in group)
                parts.append("\n".join(lines))
        url = reverse("department_inbox")
        body = notifications.email_body("\n\n".join(parts), _("Your inbox: %(url)s") % {"url": settings.SITE_URL + url})
        return _save([notifications.message_row(u, Notification.Kind.DIGEST, subject, body, url, now) for u in staff])


def _save(rows):
    # Queued once by the run (see _queued), not once per department or company.
    return notifications.save_and_queue(rows, queue=False), notifications.waits_for_delivery(rows)


def _isolated(function, *args):
    """One department's or company's mailing failing must not stop the others; it is logged,
    its claim is rolled back with it, and the next run tries again."""
    try:
        return function(*args)
    except Exception:  # noqa: BLE001
        logger.exception("Mailing %s%s failed", function.__name__, args[:1])
        return _NOTHING


def _case_history_text(case_file, today):
    """The monthly case history: the case file's figures, then each ticket, its rating shown as
    the case file shows it (the latest one; "no answer" only as how it closed)."""
    heading = _("Case history of %(company)s, as of %(date)s") % {"company": case_file.enterprise.name, "date": today.isoformat()}
    summary = _(
        "Tickets: %(total)s · open %(open)s · overdue %(overdue)s · rated %(rated)s, "
        "of which satisfied or basically satisfied %(satisfied)s"
    ) % {
        "total": case_file.total,
        "open": case_file.open,
        "overdue": case_file.overdue,
        "rated": case_file.rated,
        "satisfied": case_file.satisfied,
    }
    parts = [f"{heading}\n{summary}"]
    for t in case_file.tickets:
        lines = [f"{t.reference}  {t.title}"]
        lines.append(
            "  "
            + _("Status: %(status)s · submitted %(submitted)s · department %(department)s · due %(due)s")
            % {
                "status": t.get_status_display(),
                "submitted": timezone.localdate(t.submitted_at).isoformat(),
                "department": t.department.name if t.department_id else "—",
                "due": t.due_date.isoformat() if t.due_date else "—",
            }
        )
        if t.resolved_at:
            lines.append(
                "  " + _("Resolved %(date)s: %(result)s") % {"date": timezone.localdate(t.resolved_at).isoformat(), "result": t.result}
            )
        rating = casefile_selectors.rating_label(t)
        if rating:
            lines.append("  " + _("Rating: %(rating)s") % {"rating": rating})
        if t.closed_at and casefile_selectors.closed_without_answer(t):
            lines.append(
                "  "
                + _("Closed automatically %(date)s: the company did not answer") % {"date": timezone.localdate(t.closed_at).isoformat()}
            )
        elif t.closed_at:
            lines.append("  " + _("Closed %(date)s") % {"date": timezone.localdate(t.closed_at).isoformat()})
        parts.append("\n".join(lines))
    url = reverse("enterprise_case_file", args=[case_file.enterprise.pk])
    link = _("The company file: %(url)s") % {"url": settings.SITE_URL + url}
    return notifications.email_body("\n\n".join(parts), link)


def _case_history(case_file, readers, month, now):
    enterprise = case_file.enterprise
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        if not _claim(CaseHistoryMailing, enterprise=enterprise, month=month):
            return _NOTHING
        subject = _("Monthly case history of %(company)s (%(month)s)") % {"company": enterprise.name, "month": month.strftime("%Y-%m")}
        body = _case_history_text(case_file, timezone.localdate(now))
        url = reverse("enterprise_case_file", args=[enterprise.pk])
        return _save([notifications.message_row(u, Notification.Kind.CASE_HISTORY, subject, body, url, now) for u in readers])


def send_case_histories(now=None):
    """Send each company's users and liaison officials its case history for this month: every
    ticket, its state, dates, department, result and rating. Companies with no ticket are skipped.
    Run daily, it catches up a month whose first run was missed; companies already sent this
    month's are left out before anything is read."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    month = today.replace(day=1)
    enterprise_ids = list(
        Enterprise.objects.filter(tickets__isnull=False)
        .exclude(pk__in=CaseHistoryMailing.objects.filter(month=month).values("enterprise_id"))
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    saved = []
    for start in range(0, len(enterprise_ids), _CHUNK):
        # Only companies someone can be told about: the others would be read again every run.
        chunk = enterprise_ids[start : start + _CHUNK]
        audience = notifications.Audience.for_kinds([Notification.Kind.CASE_HISTORY], enterprise_ids=chunk)
        readers = {e: people for e in chunk if (people := audience.of_company(Notification.Kind.CASE_HISTORY, e))}
        # The readers are the company's side, who see every ticket of their company: one case
        # file each, read for the whole chunk at once (tickets.casefile.selectors).
        case_files = casefile_selectors.company_side_case_files(list(readers), today=today)
        for enterprise_id, case_file in case_files.items():
            saved.append(_isolated(_case_history, case_file, readers[enterprise_id], month, now))
    return _queued(saved)
