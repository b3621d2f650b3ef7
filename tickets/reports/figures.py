"""The report's figures, breakdowns, ranking and dashboard over a scope (period, moment, filters),
and the tickets behind every count. See tickets.reports for the definitions.

Why this is long: the scope, the figures dict, the breakdowns with their merge of the ticket and
co-assignment queries, the ranking, the dashboard's snapshot and the lists behind every count are
one API over one _Scope; split, each part would import the others' private helpers.
"""

import datetime
from contextlib import contextmanager, nullcontext
from fractions import Fraction

from django.db import connections, transaction
from django.db.models import (
    F,
    Q,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Department, District, Industry
from tickets.models import (
    Assignment,
    AssignmentRole,
    Category,
    Ticket,
)
from tickets.reports import grouping
from tickets.reports.co import CO_COUNTS, co_aggregates, co_assignments, co_group_expression
from tickets.reports.numbers import HANDLING_PLACES, _ratio, rounded
from tickets.reports.periods import require_ordered
from tickets.reports.returns import RETURN_COUNTS, overruled_returns, return_aggregates, return_group_expression
from tickets.reports.sql import _aggregates, _conditions, _current_facts, _local_date, _local_midnight, _replayed, _without_jit

COUNTS = (
    "submitted",
    "accepted",
    "rejected",
    "closed",
    "resolved",
    "solved",
    "on_time",
    "overdue_open",
    "rated",
    "satisfied",
    "signings",
    "signed_on_time",
    "contact_assignments",
    "contacted_on_time",
    "co_due",
    "co_on_time",
    "overrides",
    "returned",
    "overruled_returns",
    "reopened",
    "yellow",
    "red",
    "handling_days",
    "followed_up",
)
RATES = {
    "closure_rate": ("closed", "accepted"),
    "on_time_rate": ("on_time", "resolved"),
    "satisfaction_rate": ("satisfied", "rated"),
    "response_rate": ("signed_on_time", "signings"),
    "contact_rate": ("contacted_on_time", "contact_assignments"),
    "co_feedback_rate": ("co_on_time", "co_due"),
    "return_rate": ("returned", "accepted"),
    "redo_rate": ("reopened", "resolved"),
    "follow_up_rate": ("followed_up", "closed"),
    "solved_rate": ("solved", "resolved"),
}
# handling_time = handling_days / resolved, one decimal.
HANDLING_TIME = ("handling_days", "resolved")

# What each figure is called wherever it is named: the dashboard's cards and columns, the xlsx,
# the title of the tickets behind a count.
NAMES = {
    "submitted": _("Tickets submitted"),
    "accepted": _("Accepted"),
    "rejected": _("Not accepted tickets"),
    "closed": _("Closed tickets"),
    "resolved": _("Resolved tickets"),
    "on_time": _("Resolved on time"),
    "solved": _("Solved tickets"),
    "overdue_open": _("Overdue, not resolved"),
    "rated": _("Rated tickets"),
    "satisfied": _("Satisfied tickets"),
    "signings": _("Signings"),
    "signed_on_time": _("Signings in time"),
    "contact_assignments": _("Assignments owing a first contact"),
    "contacted_on_time": _("First contacts in time"),
    "co_due": _("Co-handling feedback due"),
    "co_on_time": _("Co-handling feedback in time"),
    "overrides": _("Resolved without all co-feedback"),
    "returned": _("Returned tickets"),
    "overruled_returns": _("Overruled returns"),
    "reopened": _("Reopened tickets"),
    "yellow": _("Yellow cards"),
    "red": _("Red cards"),
    "handling_days": _("Working days of handling"),
    "closure_rate": _("Closure rate"),
    "on_time_rate": _("On-time rate"),
    "satisfaction_rate": _("Satisfaction rate"),
    "response_rate": _("Response rate"),
    "contact_rate": _("First-contact rate"),
    "co_feedback_rate": _("Co-feedback on-time rate"),
    "return_rate": _("Return rate"),
    "redo_rate": _("Redo rate"),
    "solved_rate": _("Solved rate"),
    "handling_time": _("Mean handling time (working days)"),
    "followed_up": _("Closed tickets confirmed by the company"),
    "follow_up_rate": _("Follow-up rate"),
}

GROUPS = ("department", "category", "district", "industry", "month")

# The counts of Assignment rows (the figures of co-handling), with their own query; every other
# count is aggregated from the tickets' facts.
ASSIGNMENT_COUNTS = CO_COUNTS


# --------------------------------------------------------------------------------------------
# scope: period, as_of, filters
# --------------------------------------------------------------------------------------------


def _pk(value):
    return getattr(value, "pk", value)


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
        require_ordered(start=start, end=end)
        self.start, self.end = start, end
        # No as_of: now, read from the tickets' current-fact columns; a given moment (even
        # one after the last event): replayed from the event timeline.
        self.current = as_of is None
        self.as_of = _moment(as_of)
        self.as_of_date = timezone.localdate(self.as_of, timezone.get_default_timezone())
        self.department, self.category = _pk(department), _pk(category)
        self.district, self.industry = _pk(district), _pk(industry)

    def ticket_filter(self, prefix=""):
        """The tickets in scope (all but the department) as a Q, its lookups under `prefix`
        ("ticket__" from an Assignment)."""
        lookups = {
            "submitted_at__gte": _local_midnight(self.start),
            "submitted_at__lt": _local_midnight(self.end + datetime.timedelta(days=1)),
        }
        if not self.current:
            lookups["submitted_at__lte"] = self.as_of
        if self.category is not None:
            lookups["category_id"] = self.category
        if self.district is not None:
            lookups["enterprise__district_id"] = self.district
        if self.industry is not None:
            lookups["enterprise__industry_id"] = self.industry
        return Q(**{prefix + lookup: value for lookup, value in lookups.items()})

    def tickets(self):
        return Ticket.objects.filter(self.ticket_filter())

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

    def co_assignments(self, figure=None):
        """The co assignments counted by the co figures (or by one of them, `figure`)."""
        assignments, conditions = co_assignments(self)
        return assignments if figure is None else assignments.filter(conditions[figure])

    def tickets_for(self, figure):
        if figure in RETURN_COUNTS:
            return Ticket.objects.filter(pk__in=overruled_returns(self).values("ticket_id"))
        if figure in ASSIGNMENT_COUNTS:
            return Ticket.objects.filter(pk__in=self.co_assignments(figure).values("ticket_id"))
        conditions = self.conditions()
        if figure not in conditions:
            raise ValueError(f"Unknown figure {figure!r}; one of {', '.join(COUNTS)}")
        return Ticket.objects.filter(pk__in=self.facts().filter(conditions[figure]).values("pk"))

    def finish(self, counts):
        """The figures dict from the raw counts (no query)."""
        result = {name: counts.get(name) or 0 for name in COUNTS}
        for rate, (numerator, denominator) in RATES.items():
            result[rate] = _ratio(result[numerator], result[denominator])
        days, resolved = (result[name] for name in HANDLING_TIME)
        result["handling_time"] = rounded(Fraction(days, resolved), places=HANDLING_PLACES) if resolved else None
        result["start"], result["end"], result["as_of"] = self.start, self.end, self.as_of
        return result


# --------------------------------------------------------------------------------------------
# the API
# --------------------------------------------------------------------------------------------


def report(*, start, end, as_of=None, department=None, category=None, district=None, industry=None):
    """All §5 figures for the tickets submitted (local dates) in [start, end], at as_of.

    `department` is the department that holds the ticket at as_of or last held it (for the co
    figures: the co-handling department of the co assignments); `category`, `district` (the
    company's) and `industry` (the company's) filter the tickets. Model instances or primary keys.
    `as_of`: an aware datetime (a naive one is read as Asia/Shanghai), a date (the end of that
    local day), or None for now. Two queries, the tickets' facts and the co assignments (on
    PostgreSQL after one SET LOCAL when replaying).
    """
    scope = _Scope(start=start, end=end, as_of=as_of, department=department, category=category, district=district, industry=industry)
    aggregates = _aggregates(scope.conditions())
    co, co_conditions = co_assignments(scope)
    returns = overruled_returns(scope)
    if scope.current:
        counts = scope.facts().aggregate(**aggregates)
        counts |= co.aggregate(**co_aggregates(co_conditions))
        counts |= returns.aggregate(**return_aggregates())
        return scope.finish(counts)
    facts = scope.facts()
    # DISTINCT over (pk, facts) never merges two tickets (the pk differs) but stops PostgreSQL
    # from flattening the derived table into the aggregate, which would run every correlated
    # subquery once per figure that uses it instead of once per ticket (3-4x slower).
    fenced = facts.values("pk", *facts.query.annotations).distinct()
    with _without_jit():
        counts = fenced.aggregate(**aggregates)
        counts |= co.aggregate(**co_aggregates(co_conditions))
        counts |= returns.aggregate(**return_aggregates())
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

    The co figures (co_due, co_on_time, co_feedback_rate) are credited to the co-handling
    department in the department breakdown, so a department that only co-handled tickets of the
    period has a row of its own (every ticket count 0); the other breakdowns group co
    assignments by their ticket.

    Two GROUP BY queries (the tickets' facts, the co assignments), plus one for the labels of the
    groups found (none for month).
    """
    return _breakdown(by, _Scope(**args))


def _month(value):
    """A TruncMonth value as the date of the month's first day."""
    if isinstance(value, datetime.datetime):
        tz = timezone.get_default_timezone()
        return timezone.localtime(value, tz).date() if timezone.is_aware(value) else value.date()
    return value


def _grouped_counts(by, scope):
    """{group key: raw counts} of the tickets' facts, the co assignments and the overruled returns,
    grouped by `by` (three queries); a group with co assignments or returns only has only those counts."""
    grouped = scope.facts(selected=False).annotate(r_group=_group_expression(by)).values("r_group")
    grouped = grouped.annotate(**_aggregates(scope.conditions())).order_by()
    co, co_conditions = co_assignments(scope)
    co_grouped = co.annotate(r_group=co_group_expression(by)).values("r_group").annotate(**co_aggregates(co_conditions)).order_by()
    returns = overruled_returns(scope).annotate(r_group=return_group_expression(by)).values("r_group")
    returns = returns.annotate(**return_aggregates()).order_by()
    if scope.current:
        rows, co_rows, return_rows = list(grouped), list(co_grouped), list(returns)
    else:
        with _without_jit():
            rows, co_rows, return_rows = list(grouped), list(co_grouped), list(returns)
    return _merged(by, rows, co_rows, return_rows)


def _merged(by, rows, *other_rows):
    """{group key: raw counts} from the grouped rows of the tickets' facts and those of the other
    queries (co assignments, overruled returns), each row's group under "r_group"."""
    key = _month if by == "month" else (lambda value: value)
    counts = {key(row.pop("r_group")): row for row in rows}
    for row in (row for rows_of_query in other_rows for row in rows_of_query):
        counts.setdefault(key(row.pop("r_group")), {}).update(row)
    return counts


def _all_grouped_counts(groups, scope):
    """{by: _grouped_counts(by, scope)} for every `groups` name. On PostgreSQL: three queries in all,
    each grouped by GROUPING SETS (one scan of the tickets for every breakdown, one of the co
    assignments, one of the overruled returns), now or replayed; otherwise three queries per breakdown."""
    if not grouping.supported(Ticket.objects):
        return {by: _grouped_counts(by, scope) for by in groups}
    facts = scope.facts(selected=False)
    co, co_conditions = co_assignments(scope)
    returns = overruled_returns(scope)
    with nullcontext() if scope.current else _without_jit():
        rows = grouping.grouped_by_sets(facts, {by: _group_expression(by) for by in groups}, _aggregates(scope.conditions()))
        co_rows = grouping.grouped_by_sets(co, {by: co_group_expression(by) for by in groups}, co_aggregates(co_conditions))
        return_rows = grouping.grouped_by_sets(returns, {by: return_group_expression(by) for by in groups}, return_aggregates())
    return {by: _merged(by, rows[by], co_rows[by], return_rows[by]) for by in groups}


def _breakdown(by, scope, counts=None):
    """The rows of breakdown(by) (from `counts`, that breakdown's _grouped_counts, when given)."""
    if counts is None:
        counts = _grouped_counts(by, scope)
    results = []
    if by == "month":
        for month, row in sorted(counts.items()):
            results.append({**scope.finish(row), "group": month, "key": month, "label": f"{month:%Y-%m}"})
        return results
    keys = {key for key in counts if key is not None}
    objects = _GROUP_MODELS[by].objects.in_bulk(keys) if keys else {}
    for key, row in counts.items():
        obj = objects.get(key)
        results.append({**scope.finish(row), "group": obj, "key": key, "label": str(obj) if obj is not None else "—"})
    results.sort(key=lambda row: (row["group"] is None, getattr(row["group"], "sort_order", 0), row["label"]))
    return results


def department_ranking(**args):
    """Departments (that accepted at least one ticket of the period) ranked by closure rate, then
    on-time rate, both highest first, a rate of "—" last. The closure rate comes first because it
    is the campaign's headline figure (销号率: problems actually solved and confirmed), the on-time
    rate separates departments that close as much; rates are compared exactly (their
    fractions). Departments with equal rates share a rank (1, 2, 2, 4); among them the one
    with more accepted tickets is listed first, then by name. Each row is a breakdown row with
    `rank` added. Departments that only co-handled tickets are not ranked (see
    dashboard()'s `co_handling_only`). Same queries as breakdown("department").
    """
    return _ranked(breakdown("department", **args))


def _ranked(department_rows):
    rows = [row for row in department_rows if row["group"] is not None and row["accepted"]]

    def merit(row):
        return row["closure_rate"], row["on_time_rate"]

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
    ``{"figures": report(), "ranking": department_ranking(), "co_handling_only": […],
    "category": breakdown("category"), "district": …, "industry": …, "month": …}`` for the same
    arguments. `co_handling_only` holds the rows of breakdown("department") of the departments
    that co-handled tickets of the period without accepting any as lead: not ranked, listed so
    that their co figures are seen.

    On PostgreSQL: three queries, the tickets' facts, the co assignments and the overruled
    returns, each grouped by GROUPING SETS ((department), (category), (district), (industry),
    (month)) — one scan each for every breakdown (tickets.reports.grouping; replaying the timeline
    for a given as_of, each ticket's facts are then worked out once instead of five times) — plus
    the four label queries (and the SET LOCAL jit = off of a replay). On SQLite fifteen grouped
    queries (those three by each breakdown) plus the labels. The rows are the same either way (tests hold
    them to breakdown() and department_ranking()). `figures` is the sum of the month rows (every
    count is additive and each ticket, so each co assignment, falls in exactly one month), not a
    query of its own. On PostgreSQL, outside a transaction, the queries share one REPEATABLE READ,
    READ ONLY transaction, so that the totals, the ranking and the breakdowns agree even while
    tickets change.
    """
    scope = _Scope(**args)
    with _snapshot():
        counts = _all_grouped_counts(("department", *DASHBOARD_GROUPS), scope)
        department = _breakdown("department", scope, counts["department"])
        rows = {by: _breakdown(by, scope, counts[by]) for by in DASHBOARD_GROUPS}
    totals = {name: sum(row[name] for row in rows["month"]) for name in COUNTS}
    ranking = _ranked(department)
    ranked = {row["key"] for row in ranking}
    co_only = [row for row in department if row["group"] is not None and row["key"] not in ranked and not row["accepted"]]
    return {"figures": scope.finish(totals), "ranking": ranking, "co_handling_only": co_only, **rows}


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
    so that every number can link to its list. For the counts of assignments or events
    (`signings`, `signed_on_time`, `contact_assignments`, `contacted_on_time`, `co_due`,
    `co_on_time`, `overrides`) these are the tickets with at least one; assignments_for() lists
    the assignments themselves. `handling_days` gives the resolved tickets it is summed over."""
    return _Scope(**args).tickets_for(figure)


def ticket_ids_for(figure, **args):
    return list(tickets_for(figure, **args).order_by("pk").values_list("pk", flat=True))


# The counts of Assignment rows, which assignments_for() lists.
LISTED_ASSIGNMENTS = ("signings", "signed_on_time", "contact_assignments", "contacted_on_time", *ASSIGNMENT_COUNTS)


def assignments_for(figure, **args):
    """The Assignment rows counted by `figure`, one of LISTED_ASSIGNMENTS: the lead assignments
    signed (`signings`, `signed_on_time`) or owing a first contact (`contact_assignments`,
    `contacted_on_time`) of the tickets in scope, or the co assignments of `co_due` /
    `co_on_time` (with `department`, that department's co assignments). A plain queryset."""
    if figure not in LISTED_ASSIGNMENTS:
        raise ValueError(f"assignments_for() lists the assignments of one of {', '.join(LISTED_ASSIGNMENTS)}, not {figure!r}")
    scope = _Scope(**args)
    if figure in ASSIGNMENT_COUNTS:
        return Assignment.objects.filter(pk__in=scope.co_assignments(figure).values("pk"))
    lead = Assignment.objects.filter(ticket__in=scope.tickets_for("accepted"), role=AssignmentRole.LEAD)
    if figure in ("signings", "signed_on_time"):
        assignments = lead.filter(signed_at__isnull=False, signed_at__lte=scope.as_of)
        if figure == "signed_on_time":
            assignments = assignments.annotate(signed_on=_local_date("signed_at")).filter(signed_on__lte=F("response_due_date"))
        return assignments
    assignments = lead.filter(contact_due_date__isnull=False, assigned_at__lte=scope.as_of)
    if figure == "contacted_on_time":
        assignments = (
            assignments.filter(contacted_at__isnull=False, contacted_at__lte=scope.as_of)
            .annotate(contacted_on=_local_date("contacted_at"))
            .filter(contacted_on__lte=F("contact_due_date"))
        )
    return assignments


def ticket_facts(**args):
    """The per-ticket facts the figures are aggregated from, as r_* annotations: r_status,
    r_assigned_on, r_resolved_on, r_on_time, r_due, r_rating, r_returned, r_reopened,
    r_supervision, r_department, r_signings, r_signings_on_time, r_contact_assignments,
    r_contacts_on_time, r_overrides and r_handling_days (None unless resolved at least once).
    The co figures are not per ticket: see assignments_for("co_due"). Replaying the timeline adds its intermediate facts (r_resolve_due,
    r_calendar)."""
    return _Scope(**args).facts()
