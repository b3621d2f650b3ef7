"""What `tickets.jobs.sweep.run_sweep(now)` should report on a database, counted in SQL.

The same conditions as the sweep's claims, minus the decisions already claimed (a Reminder or
AssignmentReminder row with the same key, a supervision level already reached, a status already changed). Used by the
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
    # The stages before the resolution (DESIGN.md §8): the first contact, the co-handlers' part.
    not_contacted = f"{handling} AND t.contacted_at IS NULL"
    queries["contact_due_soon"] = (
        f"{not_contacted} AND t.contact_due_date >= %(today)s AND t.contact_due_date <= %(soon)s "
        f"AND {unclaimed('contact_due_soon', '', 'contact_due_date')}"
    )
    queries["contact_overdue"] = (
        f"{not_contacted} AND t.contact_due_date < %(today)s AND {unclaimed('contact_overdue', '', 'contact_due_date')}"
    )

    def co_unclaimed(kind, column):
        return (
            f"NOT EXISTS (SELECT 1 FROM tickets_assignmentreminder r WHERE r.assignment_id = a.id AND r.kind = '{kind}' "
            f"AND r.due_date = a.{column})"
        )

    co = "a.role = 'co' AND t.status IN ('submitted', 'assigned', 'in_progress')"
    waiting = f"{co} AND a.state IN ('assigned', 'signed')"
    co_queries = {
        "co_unsigned": f"{co} AND a.state = 'assigned' AND a.response_due_date < %(today)s "
        f"AND {co_unclaimed('co_unsigned', 'response_due_date')}",
        "co_feedback_due_soon": f"{waiting} AND a.due_date >= %(today)s AND a.due_date <= %(soon)s "
        f"AND {co_unclaimed('co_feedback_due_soon', 'due_date')}",
        "co_feedback_late": f"{waiting} AND a.due_date < %(today)s AND {co_unclaimed('co_feedback_late', 'due_date')}",
    }
    # Not feasible for now (DESIGN.md §9): the review date has come (the generator makes none).
    outcome_review = (
        "t.outcome = 'not_feasible' AND t.status IN ('resolved', 'closed') AND t.outcome_review_date <= %(today)s "
        f"AND {unclaimed('outcome_review', '', 'outcome_review_date')}"
    )
    params = {"today": today, "soon": soon, "red": red_cutoff, "before": before}
    report = {}
    for key, condition in queries.items():
        if key.startswith("contact_"):
            continue  # in the sweep's order: after the auto-close
        cursor.execute(f"SELECT count(*) FROM tickets_ticket t WHERE {condition}", params)
        report[key] = cursor.fetchone()[0]
    for key in ("contact_due_soon", "contact_overdue"):
        cursor.execute(f"SELECT count(*) FROM tickets_ticket t WHERE {queries[key]}", params)
        report[key] = cursor.fetchone()[0]
    for key, condition in co_queries.items():
        cursor.execute(f"SELECT count(*) FROM tickets_assignment a JOIN tickets_ticket t ON t.id = a.ticket_id WHERE {condition}", params)
        report[key] = cursor.fetchone()[0]
    cursor.execute(f"SELECT count(*) FROM tickets_ticket t WHERE {outcome_review}", params)
    report["outcome_review"] = cursor.fetchone()[0]
    return report
