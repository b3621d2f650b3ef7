"""The leadership report (DESIGN.md §5): every figure computed in the database.

Over the tickets **submitted** with a local (Asia/Shanghai) date in ``[start, end]`` (both ends
included), evaluated at a moment ``as_of``. Two ways to the same facts about each ticket:

* **now** (``as_of`` omitted): the ticket's report-fact columns (``last_department``,
  ``first_resolved_on_time``, ``handling_working_days``, ``latest_rating``, ``was_returned``,
  ``was_reopened``, ``signings``, ``signings_on_time``, with ``status``, ``supervision_level``,
  ``due_date``, ``first_assigned_at``, ``first_resolved_at``), kept by the ticket's transitions in
  the same save as the state they summarise, and read through the covering index
  ``ticket_report_facts`` (an index-only scan on PostgreSQL);
* **a given moment** (``as_of`` a datetime or date, even one after the last event): replayed from
  the append-only ``TicketEvent`` timeline (and, for signings, the ``Assignment`` rows), so a past
  ``as_of`` gives the figures as they were then. Exact, but each fact is a correlated subquery per
  ticket: seconds for a month, minutes for a year of a million-ticket database.

Tests hold the two to each other on every hand-built data set; ``current_facts_disagreeing()``
(``manage.py report_facts``) checks stored facts against the timeline, ``store_current_facts()``
rewrites them, ``recount_handling_days()`` follows a change of the working calendar.

API
---
``report(*, start, end, as_of=None, department=None, category=None, district=None, industry=None)``
    One dict of figures (see ``COUNTS``, ``RATES``, ``handling_time``). **One query.** ``as_of`` may
    be a datetime, or a date meaning the end of that local day.
``breakdown(by, **same_args)``
    The same figures per group, ``by`` in ``GROUPS``. **One grouped query** plus one query for the
    group labels (none for ``month``).
``department_ranking(**same_args)``
    The department rows of ``breakdown("department")`` in ranking order (see its docstring).
``tickets_for(figure, **same_args)`` / ``ticket_ids_for(figure, **same_args)``
    The tickets behind any count (``COUNTS``), so that every number on a page can link to its list.
``assignments_for(figure, **same_args)``
    The ``Assignment`` rows behind ``signings`` / ``signed_on_time`` (the response rate counts
    signings, not tickets).
``dashboard(**same_args)``
    Everything the dashboard shows (figures, ranking, category / district / industry / month
    breakdowns) in one database snapshot.
``ticket_facts(**same_args)``
    The per-ticket facts queryset the figures are aggregated from (``r_*`` annotations), for
    exports and for checking a figure ticket by ticket.
``format_rate(value)``
    "83.3%" or "—".

The figures (the numerator and denominator of every rate are in the dict under their own names)::

    submitted        tickets submitted in the period (by as_of), whatever became of them
    accepted         ever assigned by as_of, and not rejected at as_of            (受理数)
    rejected         status "rejected" at as_of; counted apart, in no rate         (不予受理数)
    closed           accepted, status "closed" at as_of                            (销号数)
    resolved         accepted, resolved at least once by as_of
    on_time          resolved, and the FIRST resolution's local date <= the due date in force at
                     that moment (the resolve event's data["due_date"], which an approved
                     extension had moved); a resolve event without a due date counts as on time
    overdue_open     accepted, status at as_of not resolved/closed/rejected, due date in force at
                     as_of (last of assign / reopen / approved extension; a return clears it)
                     before as_of's local date                                     (超期未办结)
    rated            accepted, with a rating by as_of; the LATEST one counts: confirm gives
                     satisfied / basically_satisfied, reopen gives dissatisfied; auto-close
                     ("no answer") is not a rating and does not replace an earlier one
    satisfied        rated, latest rating satisfied or basically_satisfied
    signings         Assignment rows of accepted tickets signed by as_of (one per signing)
    signed_on_time   of those, signed on a local date <= the assignment's response_due_date
    returned         accepted, returned to dispatch at least once by as_of
    reopened         accepted, reopened at least once by as_of
    yellow, red      accepted, supervision level at as_of (last supervision event) yellow / red
    handling_days    sum over resolved tickets of the working days d with
                     first-assignment date < d <= first-resolution date (local dates)

    closure_rate = closed / accepted          on_time_rate = on_time / resolved
    satisfaction_rate = satisfied / rated     response_rate = signed_on_time / signings
    return_rate = returned / accepted         redo_rate = reopened / resolved
    handling_time = handling_days / resolved, one decimal (ROUND_HALF_UP)

Rates are ``Decimal`` ratios rounded to 4 places (``Decimal("0.6667")``; ``format_rate`` shows
"66.7%"), or ``None`` when the denominator is 0 (shown as "—"). "Status at as_of" is the
``to_state`` of the last lifecycle event with ``created_at <= as_of`` (ties broken by id).

Working days in SQL: ``weekdays(a, r] - weekday holidays in (a, r] + weekend make-up days in (a, r]``,
where the Monday–Friday count is ``W(r) - W(a)`` with ``W(d) = 5*((n+1) div 7) + min((n+1) mod 7, 5)``
and ``n`` the number of days from Monday 1970-01-05 to ``d`` (``date - date`` on PostgreSQL,
``julianday`` on SQLite), and the two CalendarDay counts are one correlated subquery. A year with no
stored calendar has no CalendarDay rows, so it counts Monday–Friday, as ``tickets.workdays`` does.

Queries: a fixed number, whatever the data (above). Replaying the timeline adds, on PostgreSQL,
one ``SET LOCAL jit = off`` before each query (see ``_without_jit``); ``report()`` then aggregates
over a derived table ``SELECT DISTINCT pk, <facts> …`` so that each correlated subquery runs once per
ticket. ``dashboard()`` reads everything the dashboard shows in one snapshot (five grouped queries
and four label queries).

Indexes: ``ticket_report_facts`` (``submitted_at`` INCLUDE every fact column above, and the
category, company and department) for "now"; for the replay ``event_ticket_created`` (``ticketevent
(ticket_id, created_at)``), the FK index ``assignment.ticket_id`` and ``calendarday.date``.
"""

import datetime
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

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
from django.db.models.functions import Cast, Coalesce, Least, TruncDate, TruncMonth
from django.utils import timezone

from enterprises.models import Department, District, Industry

from .models import (
    Assignment,
    CalendarDay,
    Category,
    EventKind,
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

OPEN_AT_AS_OF = (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS)
GOOD_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED)

COUNTS = (
    "submitted",
    "accepted",
    "rejected",
    "closed",
    "resolved",
    "on_time",
    "overdue_open",
    "rated",
    "satisfied",
    "signings",
    "signed_on_time",
    "returned",
    "reopened",
    "yellow",
    "red",
    "handling_days",
)
RATES = {
    "closure_rate": ("closed", "accepted"),
    "on_time_rate": ("on_time", "resolved"),
    "satisfaction_rate": ("satisfied", "rated"),
    "response_rate": ("signed_on_time", "signings"),
    "return_rate": ("returned", "accepted"),
    "redo_rate": ("reopened", "resolved"),
}
# handling_time = handling_days / resolved, one decimal.
HANDLING_TIME = ("handling_days", "resolved")

GROUPS = ("department", "category", "district", "industry", "month")

RATE_PLACES = Decimal("0.0001")
HANDLING_PLACES = Decimal("0.1")

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


def _events(as_of, *kinds):
    return TicketEvent.objects.filter(ticket=OuterRef("pk"), kind__in=kinds, created_at__lte=as_of)


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
    """The ticket's assignments signed by as_of, with the local date of the signing."""
    return Assignment.objects.filter(ticket=OuterRef("pk"), signed_at__isnull=False, signed_at__lte=as_of).annotate(
        signed_on=_local_date("signed_at")
    )


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


def _replayed(tickets, as_of):
    """`tickets` with every fact at as_of replayed from their timelines (r_* annotations)."""
    return (
        tickets.annotate(**_event_facts(as_of)).annotate(r_calendar=_calendar_correction()).annotate(**_derived_event_facts())
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
        "r_handling_days": F("handling_working_days"),
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


def _conditions(as_of_date):
    """Which tickets each count counts (shared by the aggregates and by tickets_for).

    The figure's own test comes before `accepted` so that, in the GROUP BY query of breakdown()
    where every fact is an inline subquery, the database skips the two `accepted` subqueries for
    the (many) tickets that fail the figure's own test."""
    accepted = Q(r_assigned_on__isnull=False) & ~Q(r_status=Status.REJECTED)
    resolved = Q(r_resolved_on__isnull=False) & accepted
    rated = Q(r_rating__in=RATINGS) & accepted
    return {
        "submitted": Q(),
        "accepted": accepted,
        "rejected": Q(r_status=Status.REJECTED),
        "closed": Q(r_status=Status.CLOSED) & accepted,
        "resolved": resolved,
        "on_time": Q(r_on_time=True) & resolved,
        "overdue_open": Q(r_due__lt=as_of_date) & Q(r_status__in=OPEN_AT_AS_OF) & accepted,
        "rated": rated,
        "satisfied": Q(r_rating__in=GOOD_RATINGS) & rated,
        # Tickets with at least one signing / on-time signing (the figures count signings).
        "signings": Q(r_signings__gt=0) & accepted,
        "signed_on_time": Q(r_signings_on_time__gt=0) & accepted,
        "returned": Q(r_returned=True) & accepted,
        "reopened": Q(r_reopened=True) & accepted,
        "yellow": Q(r_supervision=SupervisionLevel.YELLOW) & accepted,
        "red": Q(r_supervision=SupervisionLevel.RED) & accepted,
        "handling_days": resolved,
    }


def _aggregates(conditions):
    aggregates = {
        # COUNT(submitted_at) (never null), not COUNT(id): the current-fact query can then be
        # answered from ticket_report_facts alone, which leads with submitted_at.
        name: Count("submitted_at", filter=condition) if condition else Count("submitted_at")
        for name, condition in conditions.items()
        if name not in ("signings", "signed_on_time", "handling_days")
    }
    aggregates["signings"] = Coalesce(Sum("r_signings", filter=conditions["signings"]), Value(0))
    aggregates["signed_on_time"] = Coalesce(Sum("r_signings_on_time", filter=conditions["signed_on_time"]), Value(0))
    aggregates["handling_days"] = Coalesce(Sum("r_handling_days", filter=conditions["resolved"]), Value(0))
    return aggregates


# --------------------------------------------------------------------------------------------
# scope: period, as_of, filters
# --------------------------------------------------------------------------------------------


def _pk(value):
    return getattr(value, "pk", value)


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def _moment(as_of):
    """as_of as an aware datetime: now by default; a date means the end of that local day."""
    if as_of is None:
        return timezone.now()
    if isinstance(as_of, datetime.datetime):
        if timezone.is_naive(as_of):
            as_of = timezone.make_aware(as_of, timezone.get_default_timezone())
        return as_of
    if isinstance(as_of, datetime.date):
        return _local_midnight(as_of + datetime.timedelta(days=1)) - datetime.timedelta(microseconds=1)
    raise TypeError("as_of must be a datetime, a date or None")


class _Scope:
    def __init__(self, *, start, end, as_of=None, department=None, category=None, district=None, industry=None):
        if start > end:
            raise ValueError("The period's start is after its end.")
        self.start, self.end = start, end
        # No as_of: now, read from the tickets' current-fact columns; a given moment (even
        # one after the last event): replayed from the event timeline.
        self.current = as_of is None
        self.as_of = _moment(as_of)
        self.as_of_date = timezone.localdate(self.as_of, timezone.get_default_timezone())
        self.department, self.category = _pk(department), _pk(category)
        self.district, self.industry = _pk(district), _pk(industry)

    def tickets(self):
        tickets = Ticket.objects.filter(
            submitted_at__gte=_local_midnight(self.start), submitted_at__lt=_local_midnight(self.end + datetime.timedelta(days=1))
        )
        if not self.current:
            tickets = tickets.filter(submitted_at__lte=self.as_of)
        if self.category is not None:
            tickets = tickets.filter(category_id=self.category)
        if self.district is not None:
            tickets = tickets.filter(enterprise__district_id=self.district)
        if self.industry is not None:
            tickets = tickets.filter(enterprise__industry_id=self.industry)
        return tickets

    def facts(self, selected=True):
        """The tickets in scope with their r_* facts: annotations (`selected`) or aliases
        (usable in filters and aggregates only, which is all a grouped query needs)."""
        if self.current:
            facts = _current_facts()
            tickets = self.tickets().annotate(**facts) if selected else self.tickets().alias(**facts)
        else:
            tickets = _replayed(self.tickets(), self.as_of)
        if self.department is not None:
            tickets = tickets.filter(r_department=self.department)
        return tickets.order_by()

    def conditions(self):
        return _conditions(self.as_of_date)

    def tickets_for(self, figure):
        conditions = self.conditions()
        if figure not in conditions:
            raise ValueError(f"Unknown figure {figure!r}; one of {', '.join(conditions)}")
        return Ticket.objects.filter(pk__in=self.facts().filter(conditions[figure]).values("pk"))

    def finish(self, counts):
        """The figures dict from the raw counts (no query)."""
        result = {name: counts[name] or 0 for name in COUNTS}
        for rate, (numerator, denominator) in RATES.items():
            result[rate] = _ratio(result[numerator], result[denominator])
        days, resolved = (result[name] for name in HANDLING_TIME)
        result["handling_time"] = (Decimal(days) / Decimal(resolved)).quantize(HANDLING_PLACES, ROUND_HALF_UP) if resolved else None
        result["start"], result["end"], result["as_of"] = self.start, self.end, self.as_of
        return result


def _ratio(numerator, denominator):
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


def format_rate(value):
    """83.3% for Decimal("0.8333"); "—" for None."""
    if value is None:
        return "—"
    return f"{(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


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


# --------------------------------------------------------------------------------------------
# the API
# --------------------------------------------------------------------------------------------


def report(*, start, end, as_of=None, department=None, category=None, district=None, industry=None):
    """All §5 figures for the tickets submitted (local dates) in [start, end], at as_of.

    `department` is the department that holds the ticket at as_of or last held it; `category`,
    `district` (the company's) and `industry` (the company's) filter the tickets. Model instances
    or primary keys. `as_of`: an aware datetime (a naive one is read as Asia/Shanghai), a date
    (the end of that local day), or None for now. One query (on PostgreSQL after a SET LOCAL).
    """
    scope = _Scope(
        start=start, end=end, as_of=as_of, department=department, category=category, district=district, industry=industry
    )
    aggregates = _aggregates(scope.conditions())
    if scope.current:
        counts = scope.facts().aggregate(**aggregates)
        return scope.finish(counts)
    facts = scope.facts()
    # DISTINCT over (pk, facts) never merges two tickets (the pk differs) but stops PostgreSQL
    # from flattening the derived table into the aggregate, which would run every correlated
    # subquery once per figure that uses it instead of once per ticket (3-4x slower).
    fenced = facts.values("pk", *facts.query.annotations).distinct()
    with _without_jit():
        counts = fenced.aggregate(**aggregates)
    return scope.finish(counts)


def _group_expression(by):
    if by == "department":
        return F("r_department")
    if by == "category":
        return F("category_id")
    if by == "district":
        return F("enterprise__district_id")
    if by == "industry":
        return F("enterprise__industry_id")
    if by == "month":
        return TruncMonth("submitted_at", tzinfo=timezone.get_default_timezone())
    raise ValueError(f"breakdown by one of {', '.join(GROUPS)}, not {by!r}")


_GROUP_MODELS = {"department": Department, "category": Category, "district": District, "industry": Industry}


def breakdown(by, **args):
    """The report's figures per group, as a list of dicts (the figures of report() plus `group`
    (the Department / Category / District / Industry, or the first day of the month), `key`
    (its pk or that date) and `label`).

    department: the department holding the ticket at as_of or that last held it (the last assign
    event's department_id by as_of); tickets never assigned (pending, or rejected straight away)
    form a group of their own with group=None, so that every count sums over the groups to the
    report's. month: month of submission, local time. Groups are in the model's order (month:
    chronological), the no-department group last.

    One GROUP BY query, plus one for the labels of the groups found.
    """
    return _breakdown(by, _Scope(**args))


def _breakdown(by, scope):
    group = _group_expression(by)
    grouped = scope.facts(selected=False).annotate(r_group=group).values("r_group").annotate(**_aggregates(scope.conditions())).order_by()
    if scope.current:
        rows = list(grouped)
    else:
        with _without_jit():
            rows = list(grouped)
    results = []
    if by == "month":
        tz = timezone.get_default_timezone()
        for row in rows:
            month = row["r_group"]
            if isinstance(month, datetime.datetime):
                month = timezone.localtime(month, tz).date() if timezone.is_aware(month) else month.date()
            results.append({**scope.finish(row), "group": month, "key": month, "label": f"{month:%Y-%m}"})
        results.sort(key=lambda row: row["key"])
        return results
    keys = {row["r_group"] for row in rows if row["r_group"] is not None}
    objects = _GROUP_MODELS[by].objects.in_bulk(keys) if keys else {}
    for row in rows:
        obj = objects.get(row["r_group"])
        results.append(
            {**scope.finish(row), "group": obj, "key": row["r_group"], "label": str(obj) if obj is not None else "—"}
        )
    results.sort(key=lambda row: (row["group"] is None, getattr(row["group"], "sort_order", 0), row["label"]))
    return results


def department_ranking(**args):
    """Departments (that accepted at least one ticket of the period) ranked by closure rate, then
    on-time rate, both highest first, a rate of "—" last. The closure rate comes first because it
    is the campaign's headline figure (销号率: problems actually solved and confirmed), the on-time
    rate separates departments that close as much; rates are compared at full precision (the
    rounded ratios). Departments with equal rates share a rank (1, 2, 2, 4); among them the one
    with more accepted tickets is listed first, then by name. Each row is a breakdown row with
    `rank` added. Same queries as breakdown("department").
    """
    return _ranked(breakdown("department", **args))


def _ranked(department_rows):
    rows = [row for row in department_rows if row["group"] is not None and row["accepted"]]

    def merit(row):
        closure = Fraction(row["closed"], row["accepted"])
        on_time = Fraction(row["on_time"], row["resolved"]) if row["resolved"] else None
        return closure, on_time

    def order(row):
        closure, on_time = merit(row)
        return (-closure, on_time is None, -(on_time or 0), -row["accepted"], row["label"])

    rows.sort(key=order)
    ranked = []
    for position, row in enumerate(rows, start=1):
        tied = ranked and merit(ranked[-1]) == merit(row)
        ranked.append({**row, "rank": ranked[-1]["rank"] if tied else position})
    return ranked


DASHBOARD_GROUPS = ("category", "district", "industry", "month")


def dashboard(**args):
    """Everything the leadership dashboard shows, read in one snapshot of the database:
    ``{"figures": report(), "ranking": department_ranking(), "category": breakdown("category"),
    "district": …, "industry": …, "month": …}`` for the same arguments.

    Five grouped queries (department, category, district, industry, month) plus the four label
    queries; `figures` is the sum of the month rows (every count is additive and each ticket
    falls in exactly one month), not a query of its own. On PostgreSQL, outside a transaction,
    the queries share one REPEATABLE READ, READ ONLY transaction, so that the totals, the
    ranking and the breakdowns agree even while tickets change.
    """
    scope = _Scope(**args)
    with _snapshot():
        department = _breakdown("department", scope)
        rows = {by: _breakdown(by, scope) for by in DASHBOARD_GROUPS}
    totals = {name: sum(row[name] for row in rows["month"]) for name in COUNTS}
    return {"figures": scope.finish(totals), "ranking": _ranked(department), **rows}


@contextmanager
def _snapshot():
    connection = connections[Ticket.objects.db]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # Inside a transaction its isolation level can no longer change (and SQLite's is
        # serializable already).
        yield
        return
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def tickets_for(figure, **args):
    """The tickets behind a count of report(**args) (a name in COUNTS), as a plain Ticket queryset,
    so that every number can link to its list. For `signings` / `signed_on_time`, which count
    signings, these are the tickets with at least one (on-time) signing; assignments_for() lists
    the signings themselves. `handling_days` gives the resolved tickets it is summed over."""
    return _Scope(**args).tickets_for(figure)


def ticket_ids_for(figure, **args):
    return list(tickets_for(figure, **args).order_by("pk").values_list("pk", flat=True))


def assignments_for(figure, **args):
    """The Assignment rows counted by `signings` or `signed_on_time`."""
    if figure not in ("signings", "signed_on_time"):
        raise ValueError("assignments_for() lists signings: figure 'signings' or 'signed_on_time'")
    scope = _Scope(**args)
    assignments = Assignment.objects.filter(
        ticket__in=scope.tickets_for("accepted"), signed_at__isnull=False, signed_at__lte=scope.as_of
    )
    if figure == "signed_on_time":
        assignments = assignments.annotate(signed_on=_local_date("signed_at")).filter(signed_on__lte=F("response_due_date"))
    return assignments


def ticket_facts(**args):
    """The per-ticket facts the figures are aggregated from, as r_* annotations: r_status,
    r_assigned_on, r_resolved_on, r_on_time, r_due, r_rating, r_returned, r_reopened,
    r_supervision, r_department, r_signings, r_signings_on_time and r_handling_days (None unless
    resolved at least once). Replaying the timeline adds its intermediate facts (r_resolve_due,
    r_calendar)."""
    return _Scope(**args).facts()


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
    return _update_tickets_from(facts, columns)


def current_facts_disagreeing(tickets=None):
    """The tickets (default: all) whose current-fact columns differ from what their event
    timelines give now: none, as long as every change goes through the transitions. For
    `manage.py report_facts` and the benchmark; store_current_facts() repairs them."""
    tickets = Ticket.objects.all() if tickets is None else tickets
    facts = _replayed(tickets.order_by(), timezone.now()).annotate(
        r_rating_or_blank=Coalesce("r_rating", Value(""), output_field=TextField())
    )
    differences = []
    for column, fact in STORED_FACTS.items():
        fact = "r_rating_or_blank" if column == "latest_rating" else fact
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
