"""The reminder sweep (DESIGN.md §4, §8): run periodically by Celery beat.

Every stage of a ticket has its reminder before it is due and its notice once it is overdue:
the lead's resolution (due soon, overdue with the yellow / red ladder), its signing and its first
contact with the company (due soon, overdue), and each co-handler's (协办) signing and feedback
(due soon, late: the lead department and supervision are told too).

Every decision is claimed in the database before it is acted on, so that running the sweep
twice, or on two workers at once, acts once:
- reminders about a ticket (due soon, not signed, overdue, long overdue, first contact due soon
  or overdue) are claimed by inserting their key (ticket, kind, level, due date), those about a
  co assignment (not signed, feedback due soon or late) their key (assignment, kind, due date),
  with ON CONFLICT DO NOTHING … RETURNING: only the run whose insert went through notifies. The
  due date in the key is the one in force: once an extension moves it, the new date is reminded
  again;
- the review date of a ticket resolved as not feasible for now (DESIGN.md §9) is claimed the
  same way (kind outcome_review, keyed by that date): the lead department is told to look again;
- supervision raises and auto-closes are claimed by a conditional UPDATE … RETURNING: the bulk
  form of the model's transition, its source states, target and conditions read from the
  @transition declaration (tickets.models.ticket.declared_transition), so changing one changes the other.
Each claim reads through a partial index (see Ticket.Meta.indexes and Assignment.Meta.indexes,
each naming the claim it serves) and touches only the rows that need action; the rest of the
work is done in bulk for the claimed ones, in chunks, with the audience loaded once per run, so
the number of queries does not grow with the number of tickets. All state is in the database,
so a sweep that did not run (broker down) is caught up by the next one.
"""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tickets import notifications, workdays
from tickets.models import (
    CO_WORK_STATUSES,
    HANDLING_STATUSES,
    Assignment,
    AssignmentReminder,
    AssignmentRole,
    AssignmentState,
    EventKind,
    Notification,
    Outcome,
    Reminder,
    Status,
    SupervisionLevel,
    Ticket,
    TicketEvent,
)
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


def _claim_assignment_reminders(kind, date_column, condition, params, now):
    """Insert the reminder key for every co assignment (of a ticket not finished) matching
    `condition` on `a` (the assignment); returns the assignment ids whose key was new."""
    sql = (
        f"INSERT INTO {AssignmentReminder._meta.db_table} (assignment_id, kind, due_date, created_at) "
        f"SELECT a.id, %s, a.{date_column}, %s FROM {Assignment._meta.db_table} a "
        f"JOIN {Ticket._meta.db_table} t ON t.id = a.ticket_id "
        f"WHERE a.role = %s AND {condition} AND t.status IN ({_placeholders(CO_WORK_STATUSES)}) "
        "ON CONFLICT (assignment_id, kind, due_date) DO NOTHING RETURNING assignment_id"
    )
    return _fetch_ids(sql, [kind, now, AssignmentRole.CO, *params, *CO_WORK_STATUSES])


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


_CO_TICKET_COLUMNS = tuple(f"ticket__{column}" for column in notifications.FACT_COLUMNS)


def _co_assignments(ids):
    """The claimed co assignments as light rows, in chunks: their ticket's FACT_COLUMNS, the
    co-handling department (co_department_id, the key the recipients table reads) and the facts
    a co message names (co_department, co_due, and sign_by: the co-handler's own sign-by date)."""
    for start in range(0, len(ids), _CHUNK):
        assignments = (
            Assignment.objects.filter(pk__in=ids[start : start + _CHUNK])
            .order_by("id")
            .values("department_id", "department__name", "due_date", "response_due_date", *_CO_TICKET_COLUMNS)
        )
        for a in assignments:
            row = {column: a[f"ticket__{column}"] for column in notifications.FACT_COLUMNS}
            row["co_department_id"] = a["department_id"]
            row["facts"] = {
                "co_department": a["department__name"],
                "co_due": a["due_date"].isoformat(),
                "sign_by": a["response_due_date"].isoformat(),
            }
            yield row


# The kinds the sweep sends; its audience is loaded for them once per run.
_KINDS = (
    Notification.Kind.DUE_SOON,
    Notification.Kind.UNSIGNED,
    Notification.Kind.OVERDUE,
    Notification.Kind.LONG_OVERDUE,
    Notification.Kind.AUTO_CLOSED,
    Notification.Kind.CONTACT_DUE_SOON,
    Notification.Kind.CONTACT_OVERDUE,
    Notification.Kind.CO_UNSIGNED,
    Notification.Kind.CO_FEEDBACK_DUE_SOON,
    Notification.Kind.CO_FEEDBACK_LATE,
    Notification.Kind.OUTCOME_REVIEW_DUE,
)

# A not-feasible ticket is finished (resolved, or closed by the company or the sweep) when its
# review date comes; a reopened one is being handled again and is not reminded.
_OUTCOME_REVIEW_STATUSES = (Status.RESOLVED, Status.CLOSED)


def _outcome_reviews(ids):
    """The claimed not-feasible tickets as light rows, with the review date and the condition
    their message names."""
    for start in range(0, len(ids), _CHUNK):
        rows = (
            Ticket.objects.filter(pk__in=ids[start : start + _CHUNK])
            .order_by("id")
            .values(*notifications.FACT_COLUMNS, "outcome_review_date", "outcome_condition")
        )
        for row in rows:
            row["facts"] = {"review": row.pop("outcome_review_date").isoformat(), "note": row.pop("outcome_condition")}
            yield row


def _outcome_review(report, audience, today, now):
    """Claim (index ticket_outcome_review) the not-feasible tickets whose review date has come,
    and tell their department. Returns whether an e-mail waits."""
    due = _claim_reminders(
        Reminder.Kind.OUTCOME_REVIEW,
        "",
        "outcome_review_date",
        f"t.outcome = %s AND t.status IN ({_placeholders(_OUTCOME_REVIEW_STATUSES)}) AND t.outcome_review_date <= %s",
        [Outcome.NOT_FEASIBLE, *_OUTCOME_REVIEW_STATUSES, today],
        now,
    )
    report["outcome_review"] = len(due)
    return _notify_all(Notification.Kind.OUTCOME_REVIEW_DUE, _outcome_reviews(due), audience, now)


def _notify_all(kind, tickets, audience, now):
    """Save the messages of one kind to those the recipients table names (read from the run's
    audience); returns whether any waits for delivery (the run queues the sending once, not once
    per kind). A row's "facts" (co assignments) are added to its ticket's."""
    compose = notifications.Composer(kind)
    rows, deliveries = [], {}
    for ticket in tickets:
        subject, body = compose(notifications.facts_from_row(ticket, **ticket.get("facts", {})))
        rows.extend(
            notifications.rows_for(
                kind,
                audience.recipients_for(kind, ticket),
                ticket_id=ticket["id"],
                reference=ticket["reference"],
                subject=subject,
                body=body,
                now=now,
                deliveries=deliveries,
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
                ticket_id=i,
                actor=None,
                kind=EventKind.AUTO_CLOSE,
                from_state=source,
                to_state=target,
                note=notifications.system_note("no_answer"),
                data={"working_days": working_days},
                created_at=now,
            )
            for i in ids
        ],
        batch_size=_CHUNK,
    )
    return ids


def _stages(report, audience, today, soon, now):
    """The stages before the resolution (DESIGN.md §8): the lead's first contact with the
    company, and each co-handler's signing and feedback. Returns whether an e-mail waits."""
    contact = f"t.status IN ({_placeholders(HANDLING_STATUSES)}) AND t.contacted_at IS NULL"
    contact_due_soon = _claim_reminders(
        Reminder.Kind.CONTACT_DUE_SOON,
        "",
        "contact_due_date",
        f"{contact} AND t.contact_due_date >= %s AND t.contact_due_date <= %s",
        [*HANDLING_STATUSES, today, soon],
        now,
    )
    report["contact_due_soon"] = len(contact_due_soon)
    emails = _notify_all(Notification.Kind.CONTACT_DUE_SOON, _tickets(contact_due_soon), audience, now)

    contact_overdue = _claim_reminders(
        Reminder.Kind.CONTACT_OVERDUE, "", "contact_due_date", f"{contact} AND t.contact_due_date < %s", [*HANDLING_STATUSES, today], now
    )
    report["contact_overdue"] = len(contact_overdue)
    emails |= _notify_all(Notification.Kind.CONTACT_OVERDUE, _tickets(contact_overdue), audience, now)

    co_unsigned = _claim_assignment_reminders(
        AssignmentReminder.Kind.CO_UNSIGNED,
        "response_due_date",
        "a.state = %s AND a.response_due_date < %s",
        [AssignmentState.ASSIGNED, today],
        now,
    )
    report["co_unsigned"] = len(co_unsigned)
    emails |= _notify_all(Notification.Kind.CO_UNSIGNED, _co_assignments(co_unsigned), audience, now)

    waiting = (AssignmentState.ASSIGNED, AssignmentState.SIGNED)  # no feedback yet
    feedback = f"a.state IN ({_placeholders(waiting)})"
    co_due_soon = _claim_assignment_reminders(
        AssignmentReminder.Kind.CO_FEEDBACK_DUE_SOON,
        "due_date",
        f"{feedback} AND a.due_date >= %s AND a.due_date <= %s",
        [*waiting, today, soon],
        now,
    )
    report["co_feedback_due_soon"] = len(co_due_soon)
    emails |= _notify_all(Notification.Kind.CO_FEEDBACK_DUE_SOON, _co_assignments(co_due_soon), audience, now)

    co_late = _claim_assignment_reminders(
        AssignmentReminder.Kind.CO_FEEDBACK_LATE, "due_date", f"{feedback} AND a.due_date < %s", [*waiting, today], now
    )
    report["co_feedback_late"] = len(co_late)
    emails |= _notify_all(Notification.Kind.CO_FEEDBACK_LATE, _co_assignments(co_late), audience, now)
    return emails


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
        report["raised_yellow"] = len(_raise_supervision(overdue, Ticket.raise_to_yellow, now, notifications.system_note("overdue")))
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

        emails |= _stages(report, audience, today, soon, now)
        emails |= _outcome_review(report, audience, today, now)
        if emails:
            notifications.queue_after_commit()  # one message for the whole run, after it commits

    return report
