"""A frozen month's dashboard page and API, in-process, on the generated database (issue 16 item 6).

Inside a transaction rolled back at the end (nothing is left behind): makes an assessment scheme
for last month if none is in force, freezes last month, then times GET /reports/?month=YYYY-MM
(the page a leader opens) and GET /api/reports/?month=YYYY-MM through Django's test client,
signed in as a leader made for the run. Aim: under 0.1 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiye_bench .venv/bin/python bench/frozen_page_bench.py [--requests 6]
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=6)
    args = parser.parse_args(argv)
    common.setup_django(common.database_url(args.database_url))

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from enterprises.models import Department, User
    from tickets.models import AssessmentGroup
    from tickets.notifications.outbox import emails_suppressed
    from tickets.selectors.assessment import month_start, scheme_in_force
    from tickets.services.assessment import assessment_freeze_month, assessment_scheme_create

    month = month_start(month_start(timezone.localdate()) - datetime.timedelta(days=1))
    with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver"]), emails_suppressed():
        if scheme_in_force(month) is None:
            group = AssessmentGroup.objects.create(name="bench")
            memberships = [(department, group) for department in Department.objects.all()]
            assessment_scheme_create(valid_from=month, by=None, weights={"on_time_rate": 50, "solved_rate": 50}, memberships=memberships)
        assessment_freeze_month(month=month, by=None)
        client = Client()
        client.force_login(User.objects.create(username="frozen_page_bench_leader", role=User.Role.LEADER))
        for name, url in (("dashboard page", f"/reports/?month={month:%Y-%m}"), ("API", f"/api/reports/?month={month:%Y-%m}")):
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            best = min(times[1:] or times)
            shown = ", ".join(f"{seconds * 1000:.0f}" for seconds in times)
            print(f"{name:15} {url}: {shown} ms ({len(captured)} queries); best after the first "
                  f"{best * 1000:.0f} ms   aim < 100 ms: {'PASS' if best < 0.1 else 'MISS'}")  # fmt: skip
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
