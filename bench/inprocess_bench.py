#!/usr/bin/env python
"""Server time of the pages people work in all day, in-process, on the generated database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiye_bench .venv/bin/python bench/inprocess_bench.py

The same actors and snapshot as bench/pages_bench.py (a staff user of the busiest department, its
open ticket with 30 timeline events, the company with the most tickets), the same settings
(bench.bench_settings: DEBUG off), but no HTTP server: each request goes through Django's whole
handler and middleware stack with the test client, one after the other, and the wall time of
each is taken. Prints, per endpoint, the median and the 90th percentile of `--repeat` requests
after `--warmup` unmeasured ones, the median CPU time of this process per request (the server's
own work without the database's: steadier than the wall time on a busy machine), the queries of
one request, and the issue's aim (issue 18 item 8).

`--profile list` (or inbox, detail, submit) runs pyinstrument over `--repeat` requests of that
endpoint and prints where the time went (`pip install pyinstrument` into the venv first; it is a
benchmark tool, not a dependency of the product).

The snapshot `<name>_pages` is made from the generated database if it does not exist and kept
(the submit creates tickets); `--fresh` makes it anew. Drop it with
`psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS qiye_bench_pages WITH (FORCE)'`.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import pages_bench  # noqa: E402

# Server time per request, in-process, 1M tickets (issue 18 item 8).
AIMS_MS = {"list": 8.0, "inbox": 10.0, "detail": 10.0, "submit": 15.0}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="the generated database; default: $DATABASE_URL, else " + common.DEFAULT_URL)
    parser.add_argument("--run-database", help="name of the snapshot (default: <name>_pages)")
    parser.add_argument("--fresh", action="store_true", help="make the snapshot anew")
    parser.add_argument("--repeat", type=int, default=200, help="measured requests per endpoint (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first (default 20)")
    parser.add_argument("--only", help="comma-separated endpoints (list, inbox, detail, submit)")
    parser.add_argument("--profile", help="profile this endpoint with pyinstrument instead of timing")
    parser.add_argument("--show-all", action="store_true", help="with --profile: show library frames in the tree too")
    return parser.parse_args(argv)


def prepare(args):
    url = common.database_url(args.database_url)
    source = common.database_name(url)
    run_name = args.run_database or f"{source}_pages"
    run_url = common.with_database(url, run_name)
    admin = common.admin_connection(url)
    if not common.database_exists(admin, source):
        sys.exit(f"No database {source}; generate it first (bench/generate.py).")
    if args.fresh or not common.database_exists(admin, run_name):
        common.drop_database(admin, run_name)
        common.create_database(admin, run_name, template=source)
        print(f"snapshot {run_name} of {source}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
    common.setup_django(run_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def endpoints():
    from tickets import services
    from tickets.models import Category, Ticket, TicketEvent

    dept_user, _, company_user, _ = pages_bench.pick_actors()
    ticket, _ = pages_bench.prepare_data(dept_user, Ticket, TicketEvent, services)
    category = Category.objects.filter(is_active=True).order_by("id").first()
    dept = pages_bench.login(dept_user.username)
    company = pages_bench.login(company_user.username)
    form = company.get("/tickets/new/")
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.content).group(1).decode()
    body = urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "category": category.pk,
            "title": "基准测试：厂区门前道路积水",
            "description": "雨后厂区门前道路积水严重，影响货车进出，请协调处理。（基准测试提交）",
            "priority": "normal",
        }
    )
    print(f"department user {dept_user.username}; ticket {ticket.reference}; company user {company_user.username}")
    return {
        "list": (dept, "GET", "/tickets/", None, 200),
        "inbox": (dept, "GET", "/inbox/", None, 200),
        "detail": (dept, "GET", f"/tickets/{ticket.reference}/", None, 200),
        "submit": (company, "POST", "/tickets/new/", body, 302),
        # The floor: the bare view (bench_urls) through the whole middleware stack, signed in.
        "ping": (dept, "GET", "/bench/ping/", None, 200),
    }


def request(client, method, path, body, expected):
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
    if response.status_code != expected:
        sys.exit(f"{method} {path} answered {response.status_code}, expected {expected}")
    return response


def main(argv=None):
    args = parse_args(argv)
    prepare(args)
    chosen = endpoints()
    if args.only:
        chosen = {name: chosen[name] for name in args.only.split(",")}
    if args.profile:
        from pyinstrument import Profiler

        spec = chosen[args.profile]
        for _ in range(args.warmup):
            request(*spec)
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(args.repeat):
            request(*spec)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=args.show_all))
        # Self time per function: where the time is spent, whatever called it.
        print(profiler.output_text(unicode=True, color=False, flat=True, flat_time="self")[:6000])
        return 0
    print(f"{'endpoint':8} {'median':>9} {'p90':>9} {'cpu':>9} {'queries':>8}  {'aim':>8}  result")
    ok = True
    for name, spec in chosen.items():
        for _ in range(args.warmup):
            request(*spec)
        # The queries of a request after the warm-up: what every request asks (the first one of a
        # session also fills the cache, e.g. the unread badge).
        status, queries, _ = pages_bench.count_queries(spec[0], spec[1], spec[2], spec[3])
        times, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            request(*spec)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        median = statistics.median(times)
        p90 = statistics.quantiles(times, n=10)[-1]
        line = f"{name:8} {median:7.2f}ms {p90:7.2f}ms {statistics.median(cpu):7.2f}ms {queries:8}"
        if name not in AIMS_MS:
            print(f"{line}  (the floor: no aim)")
            continue
        passed = median <= AIMS_MS[name]
        ok &= passed
        print(f"{line}  ≤{AIMS_MS[name]:4.0f} ms  {'PASS' if passed else 'MISS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
