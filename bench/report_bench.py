"""Leadership-report benchmark: the full-year dashboard on the generated database.

Times tickets.reports.report(), every breakdown and the department ranking for the last 365
days, then re-executes the exact SQL each call issued (captured) straight through the database
cursor, so the gap between the ORM call and its bare SQL is measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiye_bench .venv/bin/python bench/report_bench.py [--days 365]

Read-only: it changes nothing in the database. Aims (issue 5): whole dashboard < 1 s, and within
1.5x of its bare SQL.

--freeze then times the monthly assessment (issue 16, DESIGN.md §10) of last month, inside one
transaction that is rolled back at the end (nothing stays): an assessment scheme is made if none
is in force (weights adding up to 100, the departments in two groups), last month is frozen
(tickets.services.assessment.assessment_freeze_month, aim < 60 s), then read back, through
tickets.selectors.assessment.frozen_dashboard(month) where it exists, else as the list of its
monthly_assessment(month) rows (aim < 0.1 s).
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def _timed(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        call()
        elapsed = time.perf_counter() - started
    return elapsed, [query["sql"] for query in captured.captured_queries]


def _bare(statements):
    """Run the captured SQL again, as plain text through the cursor (parameters are already
    inlined by Django's capture, as the server received them)."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description:
                cursor.fetchall()
    return time.perf_counter() - started


# The scheme --freeze makes when none is in force for the month (the weights add up to 100).
FREEZE_WEIGHTS = {
    "response_rate": 10,
    "contact_rate": 10,
    "on_time_rate": 30,
    "solved_rate": 20,
    "satisfaction_rate": 20,
    "co_feedback_rate": 10,
}
FREEZE_DEDUCTIONS = {"overruled_returns": 2, "reopened": 1, "yellow": 2, "red": 5}
FREEZE_GROUPS = ("市直部门", "县区")


class _RolledBack(Exception):
    pass


def _scheme_for(month):
    """The scheme in force for `month`, or a new one from that month: every department, the first
    two thirds (by sort order) in the first group, the others in the second."""
    from enterprises.models import Department
    from tickets.models import AssessmentGroup
    from tickets.selectors.assessment import scheme_in_force
    from tickets.services.assessment import assessment_scheme_create

    scheme = scheme_in_force(month)
    if scheme is not None:
        return scheme, "in force"
    groups = [
        AssessmentGroup.objects.get_or_create(name=name, defaults={"sort_order": order})[0] for order, name in enumerate(FREEZE_GROUPS)
    ]
    departments = list(Department.objects.order_by("sort_order", "name"))
    cut = len(departments) * 2 // 3
    memberships = [(department, groups[0] if index < cut else groups[1]) for index, department in enumerate(departments)]
    scheme = assessment_scheme_create(
        valid_from=month, by=None, weights=FREEZE_WEIGHTS, deductions=FREEZE_DEDUCTIONS, memberships=memberships
    )
    return scheme, f"made for the run: {cut} + {len(departments) - cut} departments in {' / '.join(FREEZE_GROUPS)}"


def _freeze():
    """Freeze last month and read it back, in a transaction that is rolled back."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from tickets.models import AssessmentMonth
    from tickets.selectors import assessment as selectors
    from tickets.services.assessment import assessment_freeze_month

    month = selectors.month_start(selectors.month_start(timezone.localdate()) - datetime.timedelta(days=1))
    print("=" * 72)
    print(f"Monthly assessment of {month:%Y-%m} (in a transaction rolled back at the end)")
    try:
        with transaction.atomic():
            scheme, how = _scheme_for(month)
            print(f"  scheme from {scheme.valid_from} ({how})")
            if AssessmentMonth.objects.filter(month=month).exists():
                print(f"  {month:%Y-%m} is frozen already: the freeze below is a no-op")
            result = None

            def freeze():
                nonlocal result
                result = assessment_freeze_month(month=month, by=None)

            freeze_seconds, statements = _timed(freeze)
            print(f"  {'freeze':24} {freeze_seconds:8.2f} s  queries {len(statements)}  rows {result.rows}  edition {result.edition}")
            if hasattr(selectors, "frozen_dashboard"):
                name, read = "frozen_dashboard()", lambda: selectors.frozen_dashboard(month)
            else:
                name, read = "monthly_assessment()", lambda: list(selectors.monthly_assessment(month))
            reads = [_timed(read) for _ in range(3)]
            for attempt, (seconds, statements) in enumerate(reads, start=1):
                print(f"  {name:24} {seconds:8.3f} s  queries {len(statements)}  (read {attempt})")
            raise _RolledBack
    except _RolledBack:
        pass
    first_read = reads[0][0]
    print(f"freeze a month   {freeze_seconds:.2f} s   aim < 60 s: {'PASS' if freeze_seconds < 60 else 'MISS'}")
    print(f"read it back     {first_read:.3f} s   aim < 0.1 s: {'PASS' if first_read < 0.1 else 'MISS'}  ({name}, first read)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--days", type=int, default=365, help="length of the period, ending today")
    parser.add_argument(
        "--replay", action="store_true", help="replay the event timelines (as for a past as_of) instead of reading the current facts"
    )
    parser.add_argument(
        "--freeze", action="store_true", help="then freeze last month and read it back, in a transaction rolled back at the end"
    )
    args = parser.parse_args(argv)
    common.setup_django(common.database_url(args.database_url))

    from django.utils import timezone

    from tickets import reports

    end = timezone.localdate()
    period = {"start": end - datetime.timedelta(days=args.days - 1), "end": end}
    if args.replay:
        period["as_of"] = timezone.now()
    calls = [("report()", lambda: reports.report(**period))]
    calls += [(f"breakdown({by!r})", lambda by=by: reports.breakdown(by, **period)) for by in reports.GROUPS]
    calls += [("department_ranking()", lambda: reports.department_ranking(**period))]
    # What the dashboard page computes (the figures, the ranking and four breakdowns).
    dashboard = ("dashboard()", lambda: reports.dashboard(**period))

    print(f"Leadership report, tickets submitted {period['start']} — {period['end']}")
    rows, total_orm, total_bare = [], 0.0, 0.0
    for name, call in calls:
        orm_seconds, statements = _timed(call)
        bare_seconds = _bare(statements)
        total_orm += orm_seconds
        total_bare += bare_seconds
        rows.append((name, orm_seconds, bare_seconds, len(statements)))
        print(f"  {name:24} {orm_seconds:8.2f} s  bare SQL {bare_seconds:8.2f} s  queries {len(statements)}", flush=True)
    print(f"  {'sum of the above':24} {total_orm:8.2f} s  bare SQL {total_bare:8.2f} s")
    name, call = dashboard
    orm_seconds, statements = _timed(call)
    bare_seconds = _bare(statements)
    ratio = orm_seconds / bare_seconds if bare_seconds else float("nan")
    print("=" * 72)
    print(f"  {name:24} {orm_seconds:8.2f} s  bare SQL {bare_seconds:8.2f} s  queries {len(statements)}")
    print(f"whole dashboard  {orm_seconds:.2f} s   aim < 1 s: {'PASS' if orm_seconds < 1 else 'MISS'}")
    print(f"vs bare SQL      {ratio:.2f}x   aim <= 1.5x: {'PASS' if ratio <= 1.5 else 'MISS'}")
    if args.freeze:
        _freeze()


if __name__ == "__main__":
    main()
