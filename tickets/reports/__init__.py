"""The leadership report (DESIGN.md §5): every figure computed in the database.

Over the tickets **submitted** with a local (Asia/Shanghai) date in ``[start, end]`` (both ends
included), evaluated at a moment ``as_of``. Two ways to the same facts about each ticket:

* **now** (``as_of`` omitted): the ticket's report-fact columns (``last_department``,
  ``first_resolved_on_time``, ``handling_working_days``, ``latest_rating``, ``was_returned``,
  ``was_reopened``, ``signings``, ``signings_on_time``, ``lead_assignments``, ``contacts_on_time``,
  ``resolve_overrides``, ``followed_up``, ``outcome``, ``rating_review_upheld``, with ``status``, ``supervision_level``, ``due_date``,
  ``first_assigned_at``, ``first_resolved_at``), kept by the ticket's transitions in the same save
  as the state they summarise, and read through the covering index ``ticket_report_facts`` (an
  index-only scan on PostgreSQL); the co figures read the co ``Assignment`` rows as they stand
  (``due_date``, ``feedback_at``, ``feedback_on_time``, ``ended_at``);
* **a given moment** (``as_of`` a datetime or date, even one after the last event): replayed from
  the append-only ``TicketEvent`` timeline (and, for signings, contacts and co-handling, the
  ``Assignment`` columns that never change once set: ``assigned_at``, ``signed_at``,
  ``contact_due_date``, ``contacted_at``, ``first_due_date``, ``feedback_at``, ``feedback_on_time``,
  ``ended_at``), so a past ``as_of`` gives the figures as they were then. Exact, but each fact is a
  correlated subquery per ticket: seconds for a month, minutes for a year of a million-ticket
  database.

Tests hold the two to each other on every hand-built data set; ``current_facts_disagreeing()``
(``manage.py report_facts``) checks stored facts against the timeline, ``store_current_facts()``
rewrites them, ``recount_handling_days()`` follows a change of the working calendar (it listens to
``tickets.workdays.calendar_changed_signal``).

Modules: ``sql`` (the per-ticket fact expressions and conditions), ``co`` (the co assignments'
facts and conditions), ``figures`` (the API below), ``grouping`` (several breakdowns in one
GROUPING SETS query, PostgreSQL), ``facts`` (the stored fact columns),
``periods`` (the periods a report is asked for), ``xlsx`` (the workbook).

API
---
``report(*, start, end, as_of=None, department=None, category=None, district=None, industry=None)``
    One dict of figures (see ``COUNTS``, ``RATES``, ``handling_time``). **Two queries**: the
    tickets' facts, and the co assignments (``ASSIGNMENT_COUNTS``). ``as_of`` may be a datetime, or
    a date meaning the end of that local day. ``department`` selects the tickets that department
    holds or last held, and, for the co figures, that department's co assignments.
``breakdown(by, **same_args)``
    The same figures per group, ``by`` in ``GROUPS``. **Two grouped queries** (tickets, co
    assignments) plus one query for the group labels (none for ``month``). By department, a
    co-handling department is credited with its co assignments (``co_due``, ``co_on_time``,
    ``co_feedback_rate``), and one that only co-handled has a row of its own.
``department_ranking(**same_args)``
    The department rows of ``breakdown("department")`` in ranking order (see its docstring).
``tickets_for(figure, **same_args)`` / ``ticket_ids_for(figure, **same_args)``
    The tickets behind any count (``COUNTS``), so that every number on a page can link to its list.
``assignments_for(figure, **same_args)``
    The ``Assignment`` rows behind ``signings`` / ``signed_on_time``, ``contact_assignments`` /
    ``contacted_on_time`` (lead assignments) and ``co_due`` / ``co_on_time`` (co assignments):
    ``LISTED_ASSIGNMENTS``, the figures that count assignments, not tickets.
``dashboard(**same_args)``
    Everything the dashboard shows (figures, ranking, the departments that only co-handled,
    category / district / industry / month breakdowns) in one database snapshot; on PostgreSQL
    one GROUPING SETS scan each of the tickets, co assignments and overruled returns.
``ticket_facts(**same_args)``
    The per-ticket facts queryset the figures are aggregated from (``r_*`` annotations), for
    exports and for checking a figure ticket by ticket.
``periods.period_bounds(*, period, start=None, end=None, today)``
    The first and last day of this month / quarter / year up to today, or of a custom period,
    by the rules a report is asked for (``periods.PeriodError``, a ValueError, with the message
    for the user); the dashboard's form and the API use it.
``format_rate(value)`` / ``shown_rate(value)`` / ``rounded(value, places=…)``
    "54.5%" or "—" / ``Decimal("0.545")`` / ``Decimal("0.5455")`` for ``Fraction(6, 11)``: the one
    rounding (half-up, once, from the exact fraction) of every rate shown.

The figures (the numerator and denominator of every rate are in the dict under their own names;
``NAMES`` gives each figure, count or rate, the translated name it is shown under)::

    submitted        tickets submitted in the period (by as_of), whatever became of them
    accepted         ever assigned by as_of, and not rejected at as_of            (受理数)
    rejected         status "rejected" at as_of; counted apart, in no rate         (不予受理数)
    closed           accepted, status "closed" at as_of                            (销号数)
    resolved         accepted, resolved at least once by as_of
    solved           resolved, and the LATEST resolution's outcome (the last resolve event's
                     data["outcome"]; one from before outcomes existed counts as solved) is
                     "solved" — not "explained" or "not_feasible" (DESIGN.md §9)
    on_time          resolved, and the FIRST resolution's local date <= the due date in force at
                     that moment (the resolve event's data["due_date"], which an approved
                     extension had moved); a resolve event without a due date counts as on time
    overdue_open     accepted, status at as_of not resolved/closed/rejected, due date in force at
                     as_of (last of assign / reopen / approved extension; a return clears it)
                     before as_of's local date                                     (超期未办结)
    rated            accepted, with a rating by as_of; the LATEST one counts: confirm gives
                     satisfied / basically_satisfied, reopen gives dissatisfied; auto-close
                     ("no answer") is not a rating and does not replace an earlier one; a
                     rating whose review (评价复核) was upheld by as_of leaves it (the
                     rating_review_upheld event about that rating event, data["rating_event_id"])
    satisfied        rated, latest rating satisfied or basically_satisfied
    signings         Assignment rows of accepted tickets signed by as_of (one per signing)
    signed_on_time   of those, signed on a local date <= the assignment's response_due_date
    contact_assignments  lead Assignment rows of accepted tickets made (assigned_at) by as_of with
                     a contact deadline (contact_due_date not null: those made before the
                     deadline existed, migrated, have none and are not counted)
    contacted_on_time    of those, first contacted (contacted_at) by as_of on a local date <=
                     contact_due_date
    co_due           co Assignment rows (role "co") of accepted tickets, assigned by as_of, that
                     by as_of have given their feedback (feedback_at), or ended (ended_at:
                     released, the lead changed or resolved without them), or whose due date in
                     force at as_of is before as_of's local date. The due date in force: the "to"
                     of the last co_extension_approved event by as_of for that assignment
                     (data["assignment_id"]), else Assignment.first_due_date
    co_on_time       of those, feedback given by as_of and in time (feedback_on_time: its local
                     date <= the due date then in force)
    overrides        resolve events by as_of of accepted tickets with a non-empty
                     data["override"]: the lead resolved without every co-handler's feedback
    returned         accepted, returned to dispatch at least once by as_of
    reopened         accepted, reopened at least once by as_of
    yellow, red      accepted, supervision level at as_of (last supervision event) yellow / red
    followed_up      closed at as_of, and its last closing by as_of (confirm, auto_close; a reopen since
                     undoes it) was answered
                     by the company: a confirm (online, or by phone through a follow-up call), or an
                     auto-close followed by a verification call "confirmed" (verification_confirmed
                     event); the stored column ``followed_up`` for now                (回访)
    handling_days    sum over resolved tickets of the working days d with
                     first-assignment date < d <= first-resolution date (local dates)

    closure_rate = closed / accepted          on_time_rate = on_time / resolved
    satisfaction_rate = satisfied / rated     response_rate = signed_on_time / signings
    return_rate = returned / accepted         redo_rate = reopened / resolved
    follow_up_rate = followed_up / closed                          (回访率)
    solved_rate = solved / resolved                                (解决率)
    contact_rate = contacted_on_time / contact_assignments         (首次联系及时率)
    co_feedback_rate = co_on_time / co_due                         (协办按期反馈率)
    handling_time = handling_days / resolved, one decimal (ROUND_HALF_UP)

Rates are exact ``Fraction`` ratios (``Fraction(6, 11)``), or ``None`` when the denominator is 0
(shown as "—"). They are rounded once, where they are shown, from the fraction: the pages and the
workbook to a tenth of a percent ("54.5%", ``shown_rate``), the API to 4 places (0.5455); never a
rounded value rounded again (0.5455 would show as 54.6%). ``handling_time`` is a ``Decimal`` with
one decimal, rounded the same way. "Status at as_of" is the
``to_state`` of the last lifecycle event with ``created_at <= as_of`` (ties broken by id).

Working days in SQL: ``weekdays(a, r] - weekday holidays in (a, r] + weekend make-up days in (a, r]``,
where the Monday–Friday count is ``W(r) - W(a)`` with ``W(d) = 5*((n+1) div 7) + min((n+1) mod 7, 5)``
and ``n`` the number of days from Monday 1970-01-05 to ``d`` (``date - date`` on PostgreSQL,
``julianday`` on SQLite), and the two CalendarDay counts are one correlated subquery. A year with no
stored calendar has no CalendarDay rows, so it counts Monday–Friday, as ``tickets.workdays`` does.

The contact and override figures are per ticket (summed, as signings are) and credited, like
every ticket figure, to the department that holds or last held the ticket. The co figures are
per co assignment, credited to its co-handling department in the department breakdown and
grouped by their ticket in the others: counted over ``Assignment`` rows, so in a grouped query
of their own beside each ticket query.

Queries: a fixed number, whatever the data (above). Replaying the timeline adds, on PostgreSQL,
one ``SET LOCAL jit = off`` before each report or breakdown (see ``_without_jit``; it covers both
its queries); ``report()`` then aggregates over a derived table ``SELECT DISTINCT pk, <facts> …``
so that each correlated subquery runs once per ticket. ``dashboard()`` reads everything the
dashboard shows in one snapshot: on PostgreSQL three queries grouped by GROUPING SETS (one scan
each of the tickets, the co assignments and the overruled returns for all five breakdowns,
``grouping``; now or replayed) and four label queries; on SQLite fifteen grouped queries and the four.

Indexes: ``ticket_report_facts`` (``submitted_at`` INCLUDE every fact column above, and the
category, company and department) for "now"; for the replay ``event_ticket_created`` (``ticketevent
(ticket_id, created_at)``), the FK index ``assignment.ticket_id`` and ``calendarday.date``. The co
assignments "now" are read from the partial covering index ``assignment_co_report`` (role "co",
``ticket_id`` INCLUDE the co columns; they are counted as ``COUNT(ticket_id)`` so that the scan is
index-only) hash-joined to the tickets in scope. The statistics object ``ticket_submitted_month``
(migration 0026) tells the planner how many local months of submission there are, so that it
hashes the month breakdown (and the dashboard's month grouping set) instead of sorting a year of
tickets on disk.
"""

from tickets.reports.numbers import format_rate, rounded, shown_rate

from .facts import STORED_FACTS, current_facts_disagreeing, recount_handling_days, store_current_facts
from .figures import (
    ASSIGNMENT_COUNTS,
    COUNTS,
    DASHBOARD_GROUPS,
    GROUPS,
    HANDLING_TIME,
    LISTED_ASSIGNMENTS,
    NAMES,
    RATES,
    assignments_for,
    breakdown,
    dashboard,
    department_ranking,
    report,
    ticket_facts,
    ticket_ids_for,
    tickets_for,
)
from .figures import _ranked as rank_departments  # department rows (breakdown's, or frozen ones) in ranking order
from .sql import GOOD_RATINGS, RATINGS, is_accepted, is_rated, is_satisfied

__all__ = [
    "ASSIGNMENT_COUNTS", "COUNTS", "DASHBOARD_GROUPS", "GOOD_RATINGS", "GROUPS", "HANDLING_TIME", "LISTED_ASSIGNMENTS", "NAMES",
    "RATES", "RATINGS", "STORED_FACTS",
    "assignments_for",
    "is_accepted", "is_rated", "is_satisfied", "breakdown", "current_facts_disagreeing", "dashboard", "department_ranking", "format_rate",
    "rank_departments", "recount_handling_days",
    "report", "rounded", "shown_rate", "store_current_facts", "ticket_facts", "ticket_ids_for", "tickets_for",
]  # fmt: skip
