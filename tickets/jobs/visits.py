"""The reminder of liaison visits (包联, DESIGN.md §12), run daily by beat: from the day when
REMIND_WORKING_DAYS working days of a quarter remain, each liaison official with companies nobody
has visited this quarter is told once, listing them.

Once per liaison and quarter: the reminder is claimed by inserting its key (liaison, quarter)
with INSERT … ON CONFLICT DO NOTHING, and only the run whose insert succeeded writes the
notification, in the same transaction; running twice, or on two workers at once, tells once. The
notification goes through the outbox (in the app, and e-mail and every channel after commit).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tickets import notifications, workdays
from tickets.models import Notification, VisitReminder, quarter_of
from tickets.notifications.recipients import liaisons_with_unvisited_companies

# Working days before a quarter's last day from which liaisons are reminded.
REMIND_WORKING_DAYS = 10
# Companies named in one reminder (the ledger lists every one).
NAMED_COMPANIES = 20


def reminder_due(today: datetime.date) -> bool:
    """Whether `today` is within the last REMIND_WORKING_DAYS working days of its quarter."""
    _start, end = quarter_of(today)
    return workdays.working_days_between(today, end) <= REMIND_WORKING_DAYS


def _claim(liaison_id: int, quarter: datetime.date, companies: int, now: datetime.datetime) -> bool:
    table = VisitReminder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (liaison_id, quarter, companies, created_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (liaison_id, quarter) DO NOTHING RETURNING id",
            [liaison_id, quarter, companies, now],
        )
        return cursor.fetchone() is not None


def _message(companies, end):
    names = "、".join(company.name for company in companies[:NAMED_COMPANIES])
    if len(companies) > NAMED_COMPANIES:
        names += " …"
    values = {"count": len(companies), "end": f"{end:%Y-%m-%d}", "names": names}
    subject = notifications.in_site_language(gettext_lazy("%(count)s companies to visit before %(end)s")) % values
    text = (
        notifications.in_site_language(
            gettext_lazy(
                "The quarter ends on %(end)s and these companies have not been visited this quarter: %(names)s. Record each visit in the visit log."  # noqa: E501 (one message)
            )
        )
        % values
    )
    return subject, text


def remind_unvisited(now: datetime.datetime | None = None) -> dict[str, object]:
    """Tell each liaison of their companies not visited this quarter, once per quarter, from the
    reminder day on: {"quarter": "YYYY-MM-DD", "reminded": n}, n the liaisons told by this run."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start, end = quarter_of(today)
    report: dict[str, object] = {"quarter": f"{start:%Y-%m-%d}", "reminded": 0}
    if not reminder_due(today):
        return report
    url = reverse("liaison_ledger")
    reminded = 0
    for liaison, companies in liaisons_with_unvisited_companies(start, end).items():
        with transaction.atomic():
            if not _claim(liaison.pk, start, len(companies), now):
                continue
            subject, text = _message(companies, end)
            body = notifications.email_body(text, settings.SITE_URL + url)
            notifications.save_and_queue([notifications.message_row(liaison, Notification.Kind.VISITS_DUE, subject, body, url, now)])
            reminded += 1
    report["reminded"] = reminded
    return report
