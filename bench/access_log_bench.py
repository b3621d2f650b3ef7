#!/usr/bin/env python
"""What the access log costs a page view: the ticket page (and the API's ticket detail) of the
busiest department, in-process through the Django test client, with the access log written and
with it switched off, interleaved so that the machine's noise falls on both alike.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiye_bench .venv/bin/python bench/access_log_bench.py

Everything runs in one transaction that is rolled back at the end: the generated database keeps
no access-log rows (the log is append-only, it could not delete them). Prints the median time per
request with and without the log, their difference, and the insert's own median time.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


class Rollback(Exception):
    pass


def timed(call, n):
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=25, help="per round and variant")
    args = parser.parse_args(argv)
    common.setup_django(common.database_url(args.database_url))

    from django.db import transaction
    from django.test import Client
    from pages_bench import pick_actors

    import tickets.api.tickets as api_views
    import tickets.web.tickets as page_views
    from tickets import access
    from tickets.models import AccessKind, AccessLog, Ticket
    from tickets.services import access_record

    results = {}
    try:
        with transaction.atomic():
            dept_user, _n, _company, _m = pick_actors()
            ticket = Ticket.objects.filter(department=dept_user.department).order_by("-submitted_at").first()
            client = Client()
            client.force_login(dept_user)
            urls = {"page": f"/tickets/{ticket.reference}/", "api": f"/api/tickets/{ticket.reference}/"}
            for url in urls.values():  # warm-up
                assert client.get(url).status_code == 200, url
            samples = {(name, on): [] for name in urls for on in (True, False)}
            for _round in range(args.rounds):
                for on in (True, False):
                    page_views.access.record = api_views.access.record = access.record if on else (lambda *a, **k: None)
                    for name, url in urls.items():
                        samples[name, on] += timed(lambda url=url: client.get(url), args.requests)
            page_views.access.record = api_views.access.record = access.record
            inserts = timed(lambda: access_record(user=dept_user, kind=AccessKind.TICKET, address="127.0.0.1", ticket_id=ticket.pk), 500)
            results = {key: statistics.median(values) * 1000 for key, values in samples.items()}
            results["insert"] = statistics.median(inserts) * 1000
            results["rows"] = AccessLog.objects.count()
            raise Rollback
    except Rollback:
        pass
    print(f"ticket {ticket.reference} as {dept_user.username}; {args.rounds} rounds × {args.requests} requests per variant")
    for name in ("page", "api"):
        on, off = results[name, True], results[name, False]
        print(f"{name:5} with the log {on:7.2f} ms  without {off:7.2f} ms  difference {on - off:+6.2f} ms ({(on - off) / off:+.1%})")
    print(f"the insert alone: {results['insert']:.3f} ms (median of 500); rows written and rolled back: {results['rows']}")


if __name__ == "__main__":
    main()
