"""Leadership-report benchmark: the full-year dashboard on the generated database.

Times tickets.reports.report(), every breakdown and the department ranking for the last 365
days, then re-executes the exact SQL each call issued (captured) straight through the database
cursor, so the gap between the ORM call and its bare SQL is measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiye_bench .venv/bin/python bench/report_bench.py [--days 365]

Read-only: it changes nothing in the database. Aims (issue 5): whole dashboard < 1 s, and within
1.5x of its bare SQL.
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--days", type=int, default=365, help="length of the period, ending today")
    parser.add_argument(
        "--replay", action="store_true", help="replay the event timelines (as for a past as_of) instead of reading the current facts"
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


if __name__ == "__main__":
    main()
