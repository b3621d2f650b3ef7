#!/usr/bin/env python
"""Throughput of the product's pages on the generated database, served by gunicorn, loaded with wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiye_bench .venv/bin/python bench/pages_bench.py

1. Snapshot: `CREATE DATABASE qiye_bench_pages TEMPLATE qiye_bench` (the submit POST creates
   tickets), `migrate` on it (so indexes added since the data was generated exist), dropped at the
   end (--keep leaves it, --reuse starts from a kept one).
2. Picks the actors: a staff user of the busiest department (most tickets), one of its open
   tickets topped up to 30 timeline events with progress notes (tickets.services.ticket_comment),
   and a company login of the company with the most tickets.
3. Logs them in through the real login page (Django test client) for their session cookies and
   the CSRF token; counts the SQL queries of one request per endpoint (CaptureQueriesContext).
4. gunicorn (config.wsgi, bench.bench_settings: DEBUG off, plain HTTP) with 2 workers on
   127.0.0.1 and a free port; `wrk -t2 -c8` per endpoint, one after the other: a warm-up, then
   the measured run. Every response's status is counted (a redirect to the login page would
   otherwise look like a fast page).
5. A table: endpoint, requests/s, fraction of the ceiling (a bare view through the whole
   middleware stack, benchmark-only URL), queries per request, aim, PASS/MISS.

The API endpoints (api-list, api-detail, api-submit) are called as an integration calls them:
`Authorization: Token …`, JSON bodies.

Loopback only, bounded: about (warm-up + duration) × 8 endpoints plus the snapshot (~30 s).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ROOT = common.ROOT
PASSWORD = "Demo-pass-2026"
TIMELINE_EVENTS = 30

# (aim as a fraction of the ceiling, aim for queries per request)
AIMS = {
    "list": (0.25, 15),
    "inbox": (0.25, 15),
    "detail": (0.25, 15),
    "submit": (0.15, None),
    "api-list": (0.25, 15),
    "api-detail": (0.25, 15),
    "api-submit": (0.15, None),
}

LUA = r"""
counts = {}
threads = {}
wrk.method = %(method)s
wrk.body = %(body)s
wrk.headers["Cookie"] = %(cookie)s
%(extra_headers)s
function setup(thread)
  table.insert(threads, thread)
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%%d": %%d', status, n)) end
  io.write("STATUSES {" .. table.concat(parts, ", ") .. "}\n")
end
"""


def lua_string(value):
    return "nil" if value is None else json.dumps(value, ensure_ascii=False)  # Lua has no \u escapes


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="the generated database; default: $DATABASE_URL, else " + common.DEFAULT_URL)
    parser.add_argument("--run-database", help="name of the snapshot (default: <name>_pages)")
    parser.add_argument("--keep", action="store_true", help="keep the snapshot afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the snapshot if it exists (else create it)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of each measured wrk run (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each (default 3)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--gthreads", type=int, default=4, help="threads per worker with --worker-class gthread")
    parser.add_argument("--only", help="comma-separated endpoints to load (ping is always run)")
    parser.add_argument("--json", help="also write the results to this file")
    return parser.parse_args(argv)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_data(department_user, Ticket, TicketEvent, services):
    """A ticket of the department with TIMELINE_EVENTS events (progress notes added if needed)."""
    from django.db.models import Count

    from tickets.models import HANDLING_STATUSES

    ticket = (
        Ticket.objects.filter(department_id=department_user.department_id, status__in=HANDLING_STATUSES)
        .annotate(n=Count("events"))
        .order_by("-n", "-id")
        .first()
    )
    existing = TicketEvent.objects.filter(ticket=ticket).count()
    for n in range(existing, TIMELINE_EVENTS):
        services.ticket_comment(ticket=ticket, by=department_user, text=f"办理进展（基准测试）第 {n + 1} 条：已与企业沟通，正在协调。")
    return ticket, existing


def pick_actors():
    from django.db.models import Count

    from enterprises.models import User
    from tickets.models import Ticket

    busiest = Ticket.objects.exclude(department=None).values("department_id").annotate(n=Count("id")).order_by("-n").first()
    dept_user = User.objects.filter(role="department", department_id=busiest["department_id"], is_active=True).order_by("username").first()
    with_login = User.objects.filter(role="company", is_active=True).values("enterprise_id")
    top_company = (
        Ticket.objects.filter(enterprise_id__in=with_login).values("enterprise_id").annotate(n=Count("id")).order_by("-n").first()
    )
    company_user = (
        User.objects.filter(role="company", enterprise_id=top_company["enterprise_id"], is_active=True).order_by("username").first()
    )
    return dept_user, busiest["n"], company_user, top_company["n"]


def login(username):
    from django.test import Client

    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    if response.status_code != 302:
        sys.exit(f"Could not log in as {username} (status {response.status_code}).")
    return client


def content_type(client):
    return "application/json" if getattr(client, "api_token", None) else "application/x-www-form-urlencoded"


def count_queries(client, method, url, data=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data, content_type=content_type(client))
    slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
    return response.status_code, len(ctx), [(float(q["time"]), q["sql"][:300]) for q in slowest]


def token_client(key):
    from django.test import Client

    client = Client(headers={"Authorization": f"Token {key}"})
    client.api_token = key
    return client


def cookie_header(client):
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items() if name in ("sessionid", "csrftoken"))


def wait_for(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout} s")


def run_wrk(url, script, args, seconds):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", "-s", script, url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    statuses = json.loads(re.search(r"STATUSES (\{.*\})", out).group(1))
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "statuses": statuses,
        "latency_avg": latency.group(1) if latency else "?",
        "latency_p99": p99.group(1) if p99 else "?",
        "socket_errors": errors.group(1) if errors else "",
        "output": out,
    }


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk).")
    url = common.database_url(args.database_url)
    source = common.database_name(url)
    run_name = args.run_database or f"{source}_pages"
    run_url = common.with_database(url, run_name)
    admin = common.admin_connection(url)
    if not common.database_exists(admin, source):
        sys.exit(f"No database {source}; generate it first (bench/generate.py).")

    started = time.perf_counter()
    if args.reuse and common.database_exists(admin, run_name):
        print(f"reusing snapshot {run_name}")
    else:
        common.drop_database(admin, run_name)
        common.create_database(admin, run_name, template=source)
        print(f"snapshot {run_name} of {source}: {common.fmt_seconds(time.perf_counter() - started)}")

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
    common.setup_django(run_url)
    from django.core.management import call_command
    from django.db import connection

    from tickets import services
    from tickets.models import Category, Ticket, TicketEvent

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the API rate counters without REDIS_URL
    print(f"migrate on the snapshot: {common.fmt_seconds(time.perf_counter() - t0)}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    dept_user, dept_tickets, company_user, company_tickets = pick_actors()
    ticket, had_events = prepare_data(dept_user, Ticket, TicketEvent, services)
    n_events = TicketEvent.objects.filter(ticket=ticket).count()
    category = Category.objects.filter(is_active=True).order_by("id").first()
    print(
        f"department user {dept_user.username} (department {dept_user.department_id}: {dept_tickets} tickets); "
        f"ticket {ticket.reference} with {n_events} events ({had_events} before the notes); "
        f"company user {company_user.username} ({company_tickets} tickets)"
    )

    dept_client = login(dept_user.username)
    company_client = login(company_user.username)
    form_page = company_client.get("/tickets/new/")
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.content).group(1).decode()
    from urllib.parse import urlencode

    body = urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "category": category.pk,
            "title": "基准测试：厂区门前道路积水",
            "description": "雨后厂区门前道路积水严重，影响货车进出，请协调处理。（基准测试提交）",
            "priority": "normal",
            "contact_name": "",
            "contact_phone": "",
        }
    )
    from tickets.models import ApiToken
    from tickets.services import api_token_issue

    # The API as an integration calls it: a token (issued for this run, revoked after), JSON.
    ApiToken.objects.filter(user__in=[dept_user, company_user], name="pages_bench").delete()
    dept_api = token_client(api_token_issue(user=dept_user, name="pages_bench", days=1)[1])
    company_api = token_client(api_token_issue(user=company_user, name="pages_bench", days=1)[1])
    api_body = json.dumps(
        {"category": category.pk, "title": "基准测试：接口提交", "description": "经接口提交的诉求（基准测试）。"}, ensure_ascii=False
    )
    endpoints = [
        # name, method, path, client, body, expected status
        ("ping", "GET", "/bench/ping/", None, None, 200),
        ("list", "GET", "/tickets/", dept_client, None, 200),
        ("inbox", "GET", "/inbox/", dept_client, None, 200),
        ("detail", "GET", f"/tickets/{ticket.reference}/", dept_client, None, 200),
        ("submit", "POST", "/tickets/new/", company_client, body, 302),
        ("api-list", "GET", "/api/tickets/", dept_api, None, 200),
        ("api-detail", "GET", f"/api/tickets/{ticket.reference}/", dept_api, None, 200),
        ("api-submit", "POST", "/api/tickets/", company_api, api_body, 201),
    ]
    if args.only:
        wanted = {"ping", *args.only.split(",")}
        endpoints = [e for e in endpoints if e[0] in wanted]

    results = {}
    for name, method, path, client, data, expected in endpoints:
        if client is None:
            from django.test import Client

            client = Client()
        status, queries, slowest = count_queries(client, method, path, data)
        if status != expected:
            sys.exit(f"{name}: {method} {path} answered {status}, expected {expected}")
        results[name] = {"method": method, "path": path, "queries": queries, "slowest": slowest, "expected": expected}
        print(f"{name:7} {method:4} {path}: {queries} queries; slowest: " + "; ".join(f"{t * 1000:.1f} ms" for t, _ in slowest))
    connection.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.bench_settings", DATABASE_URL=run_url, PYTHONPATH=str(ROOT))
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application",
        "--chdir", str(ROOT), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
        "--worker-class", args.worker_class, "--log-level", "warning", "--backlog", "256",
    ]
    if args.worker_class == "gthread":
        gunicorn += ["--threads", str(args.gthreads)]
    log = tempfile.NamedTemporaryFile("w+", prefix="pages_bench_gunicorn_", suffix=".log", delete=False)
    server = subprocess.Popen(gunicorn, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    print(f"gunicorn pid {server.pid}: {args.workers} {args.worker_class} workers on {base} (log {log.name})")
    workdir = Path(tempfile.mkdtemp(prefix="pages_bench_"))
    try:
        wait_for(base + "/bench/ping/")
        for name, method, path, client, data, expected in endpoints:
            script = workdir / f"{name}.lua"
            extra = ""
            if method == "POST":
                extra = f'wrk.headers["Content-Type"] = {lua_string(content_type(client))}'
            if getattr(client, "api_token", None):
                extra += f'\nwrk.headers["Authorization"] = {lua_string("Token " + client.api_token)}'
            script.write_text(
                LUA % {
                    "method": lua_string(method),
                    "body": lua_string(data),
                    "cookie": lua_string(cookie_header(client) if client else ""),
                    "extra_headers": extra,
                }
            )
            if args.warmup:
                run_wrk(base + path, str(script), args, args.warmup)
            measured = run_wrk(base + path, str(script), args, args.duration)
            wrong = {s: n for s, n in measured["statuses"].items() if int(s) != expected}
            measured.pop("output")
            results[name].update(measured, wrong=wrong)
            print(
                f"{name:7} {measured['rps']:8.1f} req/s  latency avg {measured['latency_avg']}, p99 {measured['latency_p99']}"
                f"  statuses {measured['statuses']}"
                + (f"  socket errors: {measured['socket_errors']}" if measured["socket_errors"] else "")
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.keep:
            common.drop_database(admin, run_name)
            print(f"dropped {run_name}")

    ceiling = results["ping"]["rps"]
    print()
    print(
        f"gunicorn {args.workers} {args.worker_class} workers, "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {os.cpu_count()} cores"
    )
    print(f"{'endpoint':10} {'req/s':>8} {'of ceiling':>10} {'queries':>8}  {'aim':24} result")
    ok = True
    for name, row in results.items():
        fraction = row["rps"] / ceiling
        row["fraction"] = fraction
        if name == "ping":
            print(f"{'ceiling':10} {row['rps']:8.1f} {'100 %':>10} {row['queries']:8}  {'(bare view)':24}")
            continue
        aim_fraction, aim_queries = AIMS[name]
        passed = fraction >= aim_fraction and (aim_queries is None or row["queries"] <= aim_queries) and not row["wrong"]
        ok &= passed
        aim = f"≥ {aim_fraction:.0%}" + (f", ≤ {aim_queries} queries" if aim_queries else "")
        note = f"  wrong statuses {row['wrong']}" if row["wrong"] else ""
        print(
            f"{row['method'] + ' ' + name:10} {row['rps']:8.1f} {fraction:10.1%} {row['queries']:8}  "
            f"{aim:24} {'PASS' if passed else 'MISS'}{note}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
