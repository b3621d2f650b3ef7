"""The SQL building blocks of the report: each per-ticket fact as an expression, read from the
ticket's own columns (now) or replayed from its timeline (a past moment), the working-day
arithmetic, and which tickets each count counts. See tickets.reports for the definitions.

Why this is long: each fact's two forms, read from the columns and replayed from the timeline,
stand side by side so that one is read against the other; split, they would drift apart.
"""

import datetime
from contextlib import contextmanager

from django.db import NotSupportedError, connections, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Least, TruncDate
from django.utils import timezone

from tickets.models import (
    Assignment,
    AssignmentRole,
    CalendarDay,
    EventKind,
    Outcome,
    Rating,
    Status,
    SupervisionLevel,
    Ticket,
    TicketEvent,
)

# The events that change Ticket.status: the last one by as_of gives the status at as_of.
LIFECYCLE_EVENTS = (
    EventKind.SUBMITTED,
    EventKind.ASSIGN,
    EventKind.REJECT,
    EventKind.SIGN,
    EventKind.RETURN,
    EventKind.RESOLVE,
    EventKind.CONFIRM,
    EventKind.REOPEN,
    EventKind.AUTO_CLOSE,
)
# The events that set (or, for a return, clear) Ticket.due_date.
DUE_DATE_EVENTS = (EventKind.ASSIGN, EventKind.REOPEN, EventKind.EXTENSION_APPROVED, EventKind.RETURN)

# The events that close a ticket, answer its closing or undo it (a reopen: from resolved, or from
# closed after a verification call), for the follow-up rate (DESIGN.md §9), and of those the
# ones by which the company confirmed the closing.
CLOSINGS = (EventKind.CONFIRM, EventKind.AUTO_CLOSE, EventKind.VERIFICATION_CONFIRMED, EventKind.REOPEN)
FOLLOWED_UP_CLOSINGS = (EventKind.CONFIRM, EventKind.VERIFICATION_CONFIRMED)

OPEN_AT_AS_OF = (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS)
GOOD_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED)

# Day 0 of the working-day arithmetic: a Monday.
_EPOCH_MONDAY = "1970-01-05"


# --------------------------------------------------------------------------------------------
# SQL building blocks
# --------------------------------------------------------------------------------------------


class DayNumber(Func):
    """Whole days from Monday 1970-01-05 to a date (an integer). PostgreSQL and SQLite only."""

    output_field = IntegerField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=f"((%(expressions)s)::date - DATE '{_EPOCH_MONDAY}')", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=f"CAST(ROUND(julianday(%(expressions)s) - julianday('{_EPOCH_MONDAY}')) AS INTEGER)",
            **extra_context,
        )

    def as_sql(self, compiler, connection, template=None, **extra_context):
        if template is None:
            raise NotSupportedError(f"tickets.reports: no day arithmetic for {connection.vendor}")
        return super().as_sql(compiler, connection, template=template, **extra_context)


def _weekdays_through(date):
    """Monday–Friday days from 1970-01-05 to `date`, both included."""
    days = DayNumber(date) + Value(1)
    return Value(5) * (days / Value(7)) + Least(days % Value(7), Value(5))


def _local_date(field):
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def _events(as_of, *kinds, ticket="pk"):
    """The events of the given kinds by as_of of the outer query's ticket (its `ticket` field:
    "pk" in a Ticket query, "ticket_id" in an Assignment query)."""
    return TicketEvent.objects.filter(ticket=OuterRef(ticket), kind__in=kinds, created_at__lte=as_of)


def _first(events, value, output_field):
    return Subquery(events.order_by("created_at", "id").values(v=value)[:1], output_field=output_field)


def _last(events, value, output_field):
    return Subquery(events.order_by("-created_at", "-id").values(v=value)[:1], output_field=output_field)


def _count(queryset):
    """COUNT(*) of a correlated queryset, as a scalar subquery (0 when none)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField())).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _json_date(key):
    return Cast(KeyTextTransform(key, "data"), DateField())


def _signings(as_of):
    """The ticket's lead assignments signed by as_of, with the local date of the signing (a
    co-handler's co_sign is not a signing of the ticket)."""
    return Assignment.objects.filter(
        ticket=OuterRef("pk"), role=AssignmentRole.LEAD, signed_at__isnull=False, signed_at__lte=as_of
    ).annotate(signed_on=_local_date("signed_at"))


def _contact_assignments(as_of):
    """The ticket's lead assignments with a contact deadline made by as_of (those made before the
    deadline existed have none and are not counted)."""
    return Assignment.objects.filter(
        ticket=OuterRef("pk"), role=AssignmentRole.LEAD, contact_due_date__isnull=False, assigned_at__lte=as_of
    )


def _contacts_on_time(as_of):
    """Of those, the ones first contacted by as_of on a local date <= their contact deadline."""
    return (
        _contact_assignments(as_of)
        .filter(contacted_at__isnull=False, contacted_at__lte=as_of)
        .annotate(contacted_on=_local_date("contacted_at"))
        .filter(contacted_on__lte=F("contact_due_date"))
    )


def _overrides(as_of):
    """The ticket's resolve events by as_of that went ahead without every co-handler's feedback
    (a non-empty data["override"], the reason given)."""
    reason = Cast(KeyTextTransform("override", "data"), TextField())  # a text column: the JSON key lookups would parse ""
    return _events(as_of, EventKind.RESOLVE).alias(r_override=reason).filter(r_override__gt="")


def _event_facts(as_of):
    """Per-ticket facts at as_of, each one correlated subquery on the ticket's events."""
    due_in_force = Case(
        When(kind=EventKind.EXTENSION_APPROVED, then=_json_date("to")),
        When(kind=EventKind.RETURN, then=Value(None, output_field=DateField())),
        default=_json_date("due_date"),
        output_field=DateField(),
    )
    latest_rating = Case(
        When(kind=EventKind.REOPEN, then=Value(Rating.DISSATISFIED.value)),
        default=KeyTextTransform("rating", "data"),
        output_field=TextField(),
    )
    return {
        "r_status": Coalesce(
            _last(_events(as_of, *LIFECYCLE_EVENTS), F("to_state"), CharField()), Value(Status.SUBMITTED.value), output_field=CharField()
        ),
        "r_assigned_on": _first(_events(as_of, EventKind.ASSIGN), _local_date("created_at"), DateField()),
        "r_resolved_on": _first(_events(as_of, EventKind.RESOLVE), _local_date("created_at"), DateField()),
        "r_resolve_due": _first(_events(as_of, EventKind.RESOLVE), _json_date("due_date"), DateField()),
        "r_due": _last(_events(as_of, *DUE_DATE_EVENTS), due_in_force, DateField()),
        "r_rating": _last(_events(as_of, EventKind.CONFIRM, EventKind.REOPEN), latest_rating, TextField()),
        # The event of that rating (what a rating review is about, data["rating_event_id"]).
        "r_rating_event": _last(_events(as_of, EventKind.CONFIRM, EventKind.REOPEN), F("pk"), BigIntegerField()),
        # The latest resolution's outcome; a resolve event from before outcomes existed was solved.
        "r_outcome": _last(
            _events(as_of, EventKind.RESOLVE),
            Coalesce(KeyTextTransform("outcome", "data"), Value(Outcome.SOLVED.value), output_field=TextField()),
            TextField(),
        ),
        "r_returned": Exists(_events(as_of, EventKind.RETURN)),
        "r_reopened": Exists(_events(as_of, EventKind.REOPEN)),
        "r_supervision": Coalesce(
            _last(_events(as_of, EventKind.SUPERVISION), F("to_state"), CharField()),
            Value(SupervisionLevel.NONE.value),
            output_field=CharField(),
        ),
        "r_department": _last(
            _events(as_of, EventKind.ASSIGN), Cast(KeyTextTransform("department_id", "data"), BigIntegerField()), BigIntegerField()
        ),
        "r_signings": _count(_signings(as_of)),
        "r_signings_on_time": _count(_signings(as_of).filter(signed_on__lte=F("response_due_date"))),
        "r_contact_assignments": _count(_contact_assignments(as_of)),
        "r_contacts_on_time": _count(_contacts_on_time(as_of)),
        "r_overrides": _count(_overrides(as_of)),
        # 回访率 (DESIGN.md §9): the last closing by as_of was answered by the company — a confirm
        # (online or by phone), or a verification call confirming it since — not "no answer".
        "r_followed_up": Coalesce(
            _last(
                _events(as_of, *CLOSINGS),
                Case(When(kind__in=FOLLOWED_UP_CLOSINGS, then=Value(True)), default=Value(False), output_field=BooleanField()),
                BooleanField(),
            ),
            Value(False),
            output_field=BooleanField(),
        ),
    }


def _derived_event_facts():
    """Facts derived from those of _event_facts (a second annotate(), as they refer to them):
    whether the first resolution was on time (a resolve event without a due date counts as on
    time), and the handling time in working days."""
    resolved = Q(r_resolved_on__isnull=False)
    return {
        "r_on_time": Case(
            When(resolved & (Q(r_resolve_due__isnull=True) | Q(r_resolved_on__lte=F("r_resolve_due"))), then=Value(True)),
            When(resolved, then=Value(False)),
            default=None,
            output_field=BooleanField(),
        ),
        "r_handling_days": Case(When(resolved, then=_handling_days()), default=None, output_field=IntegerField()),
    }


def _review_upheld(as_of):
    """Whether the latest rating at as_of (the r_rating_event fact) had had its review upheld by
    then: an upheld decision recorded by as_of about that very rating event (DESIGN.md §9)."""
    return Exists(
        TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=EventKind.RATING_REVIEW_UPHELD, created_at__lte=as_of)
        .alias(r_about=Cast(KeyTextTransform("rating_event_id", "data"), BigIntegerField()))
        .filter(r_about=OuterRef("r_rating_event"))
    )


def _replayed(tickets, as_of):
    """`tickets` with every fact at as_of replayed from their timelines (r_* annotations)."""
    return (
        tickets.annotate(**_event_facts(as_of))
        .annotate(r_calendar=_calendar_correction(), r_review_upheld=_review_upheld(as_of))
        .annotate(**_derived_event_facts())
    )


def _current_facts():
    """The same facts now, read from the ticket's own columns (kept by its transitions)."""
    return {
        "r_status": F("status"),
        "r_assigned_on": F("first_assigned_at"),
        "r_resolved_on": F("first_resolved_at"),
        "r_on_time": F("first_resolved_on_time"),
        "r_due": F("due_date"),
        "r_rating": F("latest_rating"),
        "r_returned": F("was_returned"),
        "r_reopened": F("was_reopened"),
        "r_supervision": F("supervision_level"),
        "r_department": F("last_department_id"),
        "r_signings": F("signings"),
        "r_signings_on_time": F("signings_on_time"),
        "r_contact_assignments": F("lead_assignments"),
        "r_contacts_on_time": F("contacts_on_time"),
        "r_overrides": F("resolve_overrides"),
        "r_handling_days": F("handling_working_days"),
        "r_followed_up": F("followed_up"),
        "r_outcome": F("outcome"),
        "r_review_upheld": F("rating_review_upheld"),
    }


def _calendar_correction():
    """Make-up working days on weekends minus holidays on weekdays, in (assigned_on, resolved_on]."""
    days = (
        CalendarDay.objects.filter(date__gt=OuterRef("r_assigned_on"), date__lte=OuterRef("r_resolved_on"))
        .order_by()
        .annotate(
            delta=Case(
                When(is_working_day=True, date__iso_week_day__gte=6, then=Value(1)),
                When(is_working_day=False, date__iso_week_day__lte=5, then=Value(-1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .annotate(total=Func(F("delta"), function="SUM", output_field=IntegerField()))
        .values("total")
    )
    return Coalesce(Subquery(days, output_field=IntegerField()), Value(0))


def _handling_days():
    """Working days d with first-assignment date < d <= first-resolution date (an expression over
    the r_assigned_on, r_resolved_on and r_calendar facts)."""
    return _weekdays_through(F("r_resolved_on")) - _weekdays_through(F("r_assigned_on")) + F("r_calendar")


def is_accepted(ticket) -> bool:
    """`accepted` below, for one ticket as it stands now (its stored columns): for code that
    counts loaded tickets the report's way (the case file). Tests hold the two together."""
    return ticket.first_assigned_at is not None and ticket.status != Status.REJECTED


def is_rated(ticket) -> bool:
    """`rated` below, for one ticket now: accepted, with a latest rating among RATINGS whose review
    was not upheld."""
    return ticket.latest_rating in RATINGS and not ticket.rating_review_upheld and is_accepted(ticket)


def is_satisfied(ticket) -> bool:
    """`satisfied` below, for one ticket now: rated, latest rating among GOOD_RATINGS."""
    return ticket.latest_rating in GOOD_RATINGS and is_rated(ticket)


def _conditions(as_of_date):
    """Which tickets each count counts (shared by the aggregates and by tickets_for).

    The figure's own test comes before `accepted` so that, in the GROUP BY query of breakdown()
    where every fact is an inline subquery, the database skips the two `accepted` subqueries for
    the (many) tickets that fail the figure's own test."""
    accepted = Q(r_assigned_on__isnull=False) & ~Q(r_status=Status.REJECTED)
    resolved = Q(r_resolved_on__isnull=False) & accepted
    # A rating whose review was upheld (not the department's fault) stays on record but leaves the rate.
    rated = Q(r_rating__in=RATINGS) & Q(r_review_upheld=False) & accepted
    return {
        "submitted": Q(),
        "accepted": accepted,
        "rejected": Q(r_status=Status.REJECTED),
        "closed": Q(r_status=Status.CLOSED) & accepted,
        "resolved": resolved,
        "on_time": Q(r_on_time=True) & resolved,
        "solved": Q(r_outcome=Outcome.SOLVED) & resolved,
        "overdue_open": Q(r_due__lt=as_of_date) & Q(r_status__in=OPEN_AT_AS_OF) & accepted,
        "rated": rated,
        "satisfied": Q(r_rating__in=GOOD_RATINGS) & rated,
        # Tickets with at least one signing / on-time signing (the figures count signings).
        "signings": Q(r_signings__gt=0) & accepted,
        "signed_on_time": Q(r_signings_on_time__gt=0) & accepted,
        # Likewise tickets with at least one assignment with a contact deadline / contacted in
        # time / resolve override (the figures count those).
        "contact_assignments": Q(r_contact_assignments__gt=0) & accepted,
        "contacted_on_time": Q(r_contacts_on_time__gt=0) & accepted,
        "overrides": Q(r_overrides__gt=0) & accepted,
        "returned": Q(r_returned=True) & accepted,
        "reopened": Q(r_reopened=True) & accepted,
        "yellow": Q(r_supervision=SupervisionLevel.YELLOW) & accepted,
        "red": Q(r_supervision=SupervisionLevel.RED) & accepted,
        "handling_days": resolved,
        "followed_up": Q(r_followed_up=True) & Q(r_status=Status.CLOSED) & accepted,
    }


# The counts that are sums of a per-ticket fact (over the tickets of their condition), not
# numbers of tickets.
SUMMED = {
    "signings": "r_signings",
    "signed_on_time": "r_signings_on_time",
    "contact_assignments": "r_contact_assignments",
    "contacted_on_time": "r_contacts_on_time",
    "overrides": "r_overrides",
    "handling_days": "r_handling_days",
}


def _aggregates(conditions):
    aggregates = {
        # COUNT(submitted_at) (never null), not COUNT(id): the current-fact query can then be
        # answered from ticket_report_facts alone, which leads with submitted_at.
        name: Count("submitted_at", filter=condition) if condition else Count("submitted_at")
        for name, condition in conditions.items()
        if name not in SUMMED
    }
    for name, fact in SUMMED.items():
        aggregates[name] = Coalesce(Sum(fact, filter=conditions[name]), Value(0))
    return aggregates


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


@contextmanager
def _without_jit():
    """On PostgreSQL, switch the JIT compiler off for the report's query (SET LOCAL: until the
    end of the transaction, which this opens if none is open).

    Its dozens of correlated subqueries give these queries a high estimated cost, so PostgreSQL
    (jit=on by default) compiles them, which takes 1-3 s whatever the data size — for a query
    that then runs in 0.1-0.6 s on a year of a city's tickets. One extra statement; nothing on
    other databases. Arguments are validated before this block, so that nothing raised inside
    it marks a caller's transaction for rollback."""
    connection = connections[Ticket.objects.db]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=connection.alias, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield
