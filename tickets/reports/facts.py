"""The report-fact columns the ticket's transitions keep: rebuilt from the timeline, checked against
it, and recounted when the working calendar changes.
"""

from django.db import connections
from django.db.models import (
    Case,
    F,
    IntegerField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from tickets.models import (
    Ticket,
)
from tickets.reports.sql import _calendar_correction, _handling_days, _local_date, _local_midnight, _replayed, _without_jit

# --------------------------------------------------------------------------------------------
# the current-fact columns: rebuilt from the events, and recounted when the calendar changes
# --------------------------------------------------------------------------------------------

# Ticket column <- the event-timeline fact it stores (for as_of = now).
STORED_FACTS = {
    "last_department_id": "r_department",
    "first_resolved_on_time": "r_on_time",
    "handling_working_days": "r_handling_days",
    "latest_rating": "r_rating",
    "was_returned": "r_returned",
    "was_reopened": "r_reopened",
    "signings": "r_signings",
    "signings_on_time": "r_signings_on_time",
    "lead_assignments": "r_contact_assignments",
    "contacts_on_time": "r_contacts_on_time",
    "resolve_overrides": "r_overrides",
    "followed_up": "r_followed_up",
    "outcome": "r_outcome",
    "rating_review_upheld": "r_review_upheld",
}


def _update_tickets_from(rows, columns):
    """UPDATE the tickets in `rows` (a values() queryset with the ticket pk as `r_ticket`) setting each
    column of `columns` {column: SQL over the derived table f}, in one statement. Returns the
    number of tickets updated."""
    connection = connections[Ticket.objects.db]
    table, quote = Ticket._meta.db_table, connection.ops.quote_name
    sql, params = rows.query.sql_with_params()
    assignments = ", ".join(f"{quote(column)} = {expression}" for column, expression in columns.items())
    statement = f"UPDATE {quote(table)} SET {assignments} FROM ({sql}) AS f WHERE {quote(table)}.{quote('id')} = f.r_ticket"
    with _without_jit(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def store_current_facts(tickets=None):
    """Set the current-fact columns (STORED_FACTS) of `tickets` (default: all) from their event
    timelines, in one statement: for tickets recorded before the columns existed (the migration
    that added them calls this), or to repair them. The transitions keep them afterwards."""
    tickets = Ticket.objects.all() if tickets is None else tickets
    facts = _replayed(tickets.order_by(), timezone.now()).values(*STORED_FACTS.values(), r_ticket=F("pk"))
    columns = {column: f"f.{fact}" for column, fact in STORED_FACTS.items()}
    columns["latest_rating"] = "COALESCE(f.r_rating, '')"
    columns["outcome"] = "COALESCE(f.r_outcome, '')"
    return _update_tickets_from(facts, columns)


def current_facts_disagreeing(tickets=None):
    """The tickets (default: all) whose current-fact columns differ from what their event
    timelines give now: none, as long as every change goes through the transitions. For
    `manage.py report_facts` and the benchmark; store_current_facts() repairs them."""
    tickets = Ticket.objects.all() if tickets is None else tickets
    facts = _replayed(tickets.order_by(), timezone.now()).annotate(
        r_rating_or_blank=Coalesce("r_rating", Value(""), output_field=TextField()),
        r_outcome_or_blank=Coalesce("r_outcome", Value(""), output_field=TextField()),
    )
    blank_when_null = {"latest_rating": "r_rating_or_blank", "outcome": "r_outcome_or_blank"}
    differences = []
    for column, fact in STORED_FACTS.items():
        fact = blank_when_null.get(column, fact)
        same = Q(**{column: F(fact)}) | Q(**{f"{column}__isnull": True, f"{fact}__isnull": True})
        # A comparison with NULL is neither true nor false: CASE sends it to the ELSE.
        differences.append(Case(When(same, then=Value(0)), default=Value(1), output_field=IntegerField()))
    differing = facts.annotate(r_differences=sum(differences[1:], differences[0])).filter(r_differences__gt=0)
    return Ticket.objects.filter(pk__in=differing.values("pk"))


def recount_handling_days(first, last):
    """Recount the stored handling time of tickets whose span (first assignment, first
    resolution] meets the dates [first, last], after the working calendar of those dates changed
    (an administrator added a holiday, a year's official calendar arrived). One statement."""
    tickets = Ticket.objects.filter(
        first_resolved_at__isnull=False,
        first_resolved_at__gte=_local_midnight(first),
        first_assigned_at__lt=_local_midnight(last),
    )
    days = (
        tickets.order_by()
        .annotate(r_assigned_on=_local_date("first_assigned_at"), r_resolved_on=_local_date("first_resolved_at"))
        .annotate(r_calendar=_calendar_correction())
        .annotate(r_handling_days=_handling_days())
        .values("r_handling_days", r_ticket=F("pk"))
    )
    return _update_tickets_from(days, {"handling_working_days": "f.r_handling_days"})


def on_calendar_changed(sender, *, first, last, **kwargs):
    """Receiver of tickets.workdays.calendar_changed_signal (connected in TicketsConfig.ready)."""
    recount_handling_days(first, last)
