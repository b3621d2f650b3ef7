"""What `tickets.jobs.sweep.run_sweep(now)` should report on a database, counted in SQL.

The same conditions as the sweep's claims, minus the decisions already claimed (a Reminder row
with the same key, a supervision level already reached, a status already changed). Used by the
generator (to record what it made) and by the benchmark (to check the sweep's report)."""

import datetime


def sweep_dates(as_of):
    """(today, soon, red_cutoff, close_cutoff) exactly as run_sweep computes them."""
    from django.conf import settings
    from django.utils import timezone

    from tickets import workdays

    today = timezone.localdate(as_of)
    soon = workdays.add_working_days(today, settings.REMINDER_DUE_SOON_WORKING_DAYS)
    red_cutoff = workdays.latest_date_with_working_days_until(today, settings.SUPERVISION_RED_AFTER_WORKING_DAYS)
    close_cutoff = workdays.latest_date_with_working_days_until(today, settings.AUTO_CLOSE_AFTER_WORKING_DAYS)
    return today, soon, red_cutoff, close_cutoff


def expected_report(cursor, as_of):
    from django.utils import timezone

    today, soon, red_cutoff, close_cutoff = sweep_dates(as_of)
    before = datetime.datetime.combine(
        close_cutoff + datetime.timedelta(days=1), datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    handling = "t.status IN ('assigned', 'in_progress')"

    def unclaimed(kind, level, column):
        return (
            f"NOT EXISTS (SELECT 1 FROM tickets_reminder r WHERE r.ticket_id = t.id AND r.kind = '{kind}' "
            f"AND r.level = '{level}' AND r.due_date = t.{column})"
        )

    queries = {
        "due_soon": f"{handling} AND t.due_date >= %(today)s AND t.due_date <= %(soon)s AND {unclaimed('due_soon', '', 'due_date')}",
        "unsigned": f"t.status = 'assigned' AND t.response_due_date < %(today)s AND {unclaimed('unsigned', '', 'response_due_date')}",
        "overdue": f"{handling} AND t.due_date < %(today)s AND {unclaimed('overdue', 'yellow', 'due_date')}",
        "raised_yellow": f"{handling} AND t.due_date < %(today)s AND {unclaimed('overdue', 'yellow', 'due_date')} "
        "AND t.supervision_level = 'none'",
        "long_overdue": f"{handling} AND t.due_date <= %(red)s AND {unclaimed('long_overdue', 'red', 'due_date')}",
        "raised_red": f"{handling} AND t.due_date <= %(red)s AND {unclaimed('long_overdue', 'red', 'due_date')} "
        "AND t.supervision_level <> 'red'",
        "auto_closed": "t.status = 'resolved' AND t.resolved_at < %(before)s",
    }
    params = {"today": today, "soon": soon, "red": red_cutoff, "before": before}
    report = {}
    for key, condition in queries.items():
        cursor.execute(f"SELECT count(*) FROM tickets_ticket t WHERE {condition}", params)
        report[key] = cursor.fetchone()[0]
    return report
