"""The reminder sweep (DESIGN.md §4): run periodically by Celery beat.

Every decision is claimed in the database before it is acted on, so that running the sweep
twice, or on two workers at once, acts once:
- reminders (due soon, not signed, overdue, long overdue) are claimed by inserting their key
  (ticket, kind, level, due date) with ON CONFLICT DO NOTHING … RETURNING: only the run whose
  insert went through notifies;
- supervision raises and auto-closes are claimed by a conditional UPDATE … RETURNING: the bulk
  form of the model's transition, its source states, target and conditions read from the
  @transition declaration (tickets.models.ticket.declared_transition), so changing one changes the other.
Each claim reads through a partial index (see Ticket.Meta.indexes) and touches only the tickets
that need action; the rest of the work is done in bulk for the claimed ones. All state is in
the database, so a sweep that did not run (broker down) is caught up by the next one.
"""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tickets import notifications, workdays
from tickets.models import HANDLING_STATUSES, EventKind, Notification, Reminder, Status, SupervisionLevel, Ticket, TicketEvent
from tickets.models.ticket import AUTO_CLOSE_WRITES, declared_transition

_CHUNK = 1000


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


def _fetch_ids(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _claim_reminders(kind, level, date_column, condition, params, now):
    """Insert the reminder key for every ticket matching `condition`; returns the ticket ids
    whose key was new (claimed by this run)."""
    sql = (
        f"INSERT INTO {Reminder._meta.db_table} (ticket_id, kind, level, due_date, created_at) "
        f"SELECT t.id, %s, %s, t.{date_column}, %s FROM {Ticket._meta.db_table} t "
        f"WHERE {condition} "
        "ON CONFLICT (ticket_id, kind, level, due_date) DO NOTHING RETURNING ticket_id"
    )
    return _fetch_ids(sql, [kind, level, now, *params])


def _conditions_sql(conditions):
    """SQL and parameters for a transition's conditions ({column: allowed values})."""
    clauses = [f"{column} IN ({_placeholders(values)})" for column, values in conditions.items()]
    return "".join(f" AND {clause}" for clause in clauses), [v for values in conditions.values() for v in values]


def _raise_supervision(ticket_ids, method, now, note):
    """Raise supervision on the claimed tickets: the bulk form of `method` (Ticket.raise_to_yellow
    or raise_to_red), with its declared source levels, target and conditions, and each raised
    ticket's event. Returns the ids actually raised."""
    from_levels, to_level, conditions = declared_transition(method)
    condition_sql, condition_params = _conditions_sql(conditions)
    raised = []
    table = Ticket._meta.db_table
    for start in range(0, len(ticket_ids), _CHUNK):
        chunk = ticket_ids[start : start + _CHUNK]
        for from_level in from_levels:
            ids = _fetch_ids(
                f"UPDATE {table} SET supervision_level = %s, updated_at = %s "
                f"WHERE id IN ({_placeholders(chunk)}) AND supervision_level = %s{condition_sql} "
                "RETURNING id",
                [to_level, now, *chunk, from_level, *condition_params],
            )
            TicketEvent.objects.bulk_create(
                [
                    TicketEvent(
                        ticket_id=i,
                        actor=None,
                        kind=EventKind.SUPERVISION,
                        from_state=from_level,
                        to_state=to_level,
                        note=note,
                        created_at=now,
                    )
                    for i in ids
                ],
                batch_size=_CHUNK,
            )
            raised.extend(ids)
    return raised


def _tickets(ids):
    """The claimed tickets as light rows (dicts of notifications.FACT_COLUMNS), in chunks."""
    for start in range(0, len(ids), _CHUNK):
        yield from Ticket.objects.filter(pk__in=ids[start : start + _CHUNK]).order_by("id").values(*notifications.FACT_COLUMNS)


# The kinds the sweep sends; its audience is loaded for them once per run.
_KINDS = (
    Notification.Kind.DUE_SOON,
    Notification.Kind.UNSIGNED,
    Notification.Kind.OVERDUE,
    Notification.Kind.LONG_OVERDUE,
    Notification.Kind.AUTO_CLOSED,
)


def _notify_all(kind, tickets, audience, now):
    """Save the messages of one kind to those the recipients table names (read from the run's
    audience); returns whether any waits for delivery (the run queues the sending once, not once
    per kind)."""
    compose = notifications.Composer(kind)
    rows = []
    for ticket in tickets:
        subject, body = compose(notifications.facts_from_row(ticket))
        rows.extend(
            notifications.rows_for(
                kind,
                audience.recipients_for(kind, ticket),
                ticket_id=ticket["id"],
                reference=ticket["reference"],
                subject=subject,
                body=body,
                now=now,
            )
        )
    notifications.save_and_queue(rows, queue=False)
    return notifications.waits_for_delivery(rows)


def _auto_close(cutoff_date, now, working_days):
    """Close resolved tickets the company has not answered since `cutoff_date` or earlier: the
    bulk form of Ticket.auto_close (its declared source and target, and AUTO_CLOSE_WRITES)."""
    sources, target, conditions = declared_transition(Ticket.auto_close)
    (source,) = sources  # one source state: the events below record it as where each ticket came from
    condition_sql, condition_params = _conditions_sql(conditions)
    tz = timezone.get_current_timezone()
    before = datetime.datetime.combine(cutoff_date + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    writes = ", ".join(f"{Ticket._meta.get_field(field).column} = %s" for field in AUTO_CLOSE_WRITES)
    ids = _fetch_ids(
        f"UPDATE {Ticket._meta.db_table} SET status = %s, {writes}, closed_at = %s, updated_at = %s "
        f"WHERE status = %s AND resolved_at < %s{condition_sql} RETURNING id",
        [target, *AUTO_CLOSE_WRITES.values(), now, now, source, before, *condition_params],
    )
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket_id=i, actor=None, kind=EventKind.AUTO_CLOSE, from_state=source, to_state=target,
                note=notifications.system_note("no_answer"), data={"working_days": working_days}, created_at=now,
            )
            for i in ids
        ],
        batch_size=_CHUNK,
    )
    return ids


def run_sweep(now=None):
    """One pass of the sweep. Returns how many of each decision this run took."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    soon = workdays.add_working_days(today, settings.REMINDER_DUE_SOON_WORKING_DAYS)
    red_after = settings.SUPERVISION_RED_AFTER_WORKING_DAYS
    red_cutoff = workdays.latest_date_with_working_days_until(today, red_after)
    close_after = settings.AUTO_CLOSE_AFTER_WORKING_DAYS
    close_cutoff = workdays.latest_date_with_working_days_until(today, close_after)
    handling = f"t.status IN ({_placeholders(HANDLING_STATUSES)})"
    report = {}

    with transaction.atomic():
        audience = notifications.Audience.for_kinds(_KINDS)  # everyone the run may tell, in one query

        due_soon = _claim_reminders(
            Reminder.Kind.DUE_SOON,
            "",
            "due_date",
            f"{handling} AND t.due_date >= %s AND t.due_date <= %s",
            [*HANDLING_STATUSES, today, soon],
            now,
        )
        report["due_soon"] = len(due_soon)
        emails = _notify_all(Notification.Kind.DUE_SOON, _tickets(due_soon), audience, now)

        unsigned = _claim_reminders(
            Reminder.Kind.UNSIGNED, "", "response_due_date", "t.status = %s AND t.response_due_date < %s", [Status.ASSIGNED, today], now
        )
        report["unsigned"] = len(unsigned)
        emails |= _notify_all(Notification.Kind.UNSIGNED, _tickets(unsigned), audience, now)

        overdue = _claim_reminders(
            Reminder.Kind.OVERDUE, SupervisionLevel.YELLOW, "due_date", f"{handling} AND t.due_date < %s", [*HANDLING_STATUSES, today], now
        )
        report["overdue"] = len(overdue)
        report["raised_yellow"] = len(
            _raise_supervision(overdue, Ticket.raise_to_yellow, now, notifications.system_note("overdue"))
        )
        emails |= _notify_all(Notification.Kind.OVERDUE, _tickets(overdue), audience, now)

        long_overdue = _claim_reminders(
            Reminder.Kind.LONG_OVERDUE,
            SupervisionLevel.RED,
            "due_date",
            f"{handling} AND t.due_date <= %s",
            [*HANDLING_STATUSES, red_cutoff],
            now,
        )
        report["long_overdue"] = len(long_overdue)
        report["raised_red"] = len(
            _raise_supervision(long_overdue, Ticket.raise_to_red, now, notifications.system_note("long_overdue", days=red_after))
        )
        emails |= _notify_all(Notification.Kind.LONG_OVERDUE, _tickets(long_overdue), audience, now)

        closed = _auto_close(close_cutoff, now, close_after)
        report["auto_closed"] = len(closed)
        closed_tickets = list(_tickets(closed))
        audience.load_companies({t["enterprise_id"] for t in closed_tickets})
        emails |= _notify_all(Notification.Kind.AUTO_CLOSED, closed_tickets, audience, now)
        if emails:
            notifications.queue_after_commit()  # one message for the whole run, after it commits

    return report
