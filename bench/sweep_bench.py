#!/usr/bin/env python
"""Benchmark of the reminder sweep (tickets.jobs.sweep.run_sweep) on the generated database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiye_bench .venv/bin/python bench/sweep_bench.py

1. Snapshot: `CREATE DATABASE qiye_bench_run TEMPLATE qiye_bench` (--restore, the default), so the
   sweep runs on a copy and the benchmark can be repeated on the same data; the copy is dropped
   at the end (--keep leaves it).
2. First run: run_sweep(now) with the project's real settings, timed, every SQL statement counted
   and timed; its report is checked against what the data needs (counted in SQL by the generator).
3. Second run, same moment: nothing is left to do; timed and counted the same way.
4. EXPLAIN (ANALYZE, BUFFERS) of each claim statement the sweep issued (the reminder INSERT … ON
   CONFLICT claims, about tickets and about co assignments, the supervision and auto-close UPDATE
   claims), each in a transaction that is
   rolled back: on the state after the runs (the no-op plans) and on a fresh snapshot (the
   first-run plans, --no-explain-first skips that).
5. A summary with the aims: first run < 5 s, no-op run < 0.5 s.

`now` defaults to the moment the data was generated (stored with it), so that the data is exactly
as the generator left it whatever day the benchmark runs; --now wallclock uses the real clock.

The sweep queues e-mail sending after its transaction commits (tasks.send_notification_emails
.delay()). In production that is one message to Redis; here the call is recorded instead, so the
benchmark measures the sweep, not e-mail delivery (which without REDIS_URL would run in-process).

Why this is long: one self-contained benchmark (snapshot, two timed runs, per-statement timings,
EXPLAIN of every claim, the report) that is run by hand, not imported.
"""

import argparse
import cProfile
import datetime
import io
import json
import pstats
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

AIM_FIRST = 5.0
AIM_NOOP = 0.5


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="the generated database; default: $DATABASE_URL, else " + common.DEFAULT_URL)
    restore = parser.add_mutually_exclusive_group()
    restore.add_argument(
        "--restore", dest="restore", action="store_true", default=True,
        help="run on a snapshot (CREATE DATABASE <name>_run TEMPLATE <name>), dropped afterwards (default)",
    )
    restore.add_argument("--no-restore", dest="restore", action="store_false", help="run on the database itself (changes it!)")
    parser.add_argument("--run-database", help="name of the snapshot (default: <name>_run)")
    parser.add_argument("--keep", action="store_true", help="keep the snapshot after the benchmark")
    parser.add_argument(
        "--now", default="generated", help="'generated' (default: the data's as-of moment), 'wallclock', or an ISO datetime"
    )
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE")
    parser.add_argument("--no-explain-first", action="store_true", help="skip the first-run plans (they need a second snapshot)")
    parser.add_argument("--profile", action="store_true", help="profile the first run with cProfile (slows it down)")
    parser.add_argument("--queries", type=int, default=200, help="list at most this many statements of each run")
    parser.add_argument("--json", help="also write the results to this file")
    return parser.parse_args(argv)


class QueryLog:
    """Counts and times every statement on the connection (connection.execute_wrapper)."""

    def __init__(self, keep_params=False):
        self.entries = []  # (sql, params, seconds, many)
        self.keep_params = keep_params

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.entries.append((sql, params if self.keep_params else None, time.perf_counter() - started, many))

    @property
    def count(self):
        return len(self.entries)

    @property
    def seconds(self):
        return sum(e[2] for e in self.entries)


class Phases:
    """Where a run's time goes: wraps the sweep's helpers (same behaviour, timed). Inner phases
    are subtracted from the outer ones, so the rows add up to the run's time."""

    # (name, module attribute path) — outer helpers first; inner ones are subtracted from them.
    TARGETS = [
        ("working-day dates (workdays.*)", "tickets.workdays", "add_working_days"),
        ("working-day dates (workdays.*)", "tickets.workdays", "latest_date_with_working_days_until"),
        ("load recipients (Audience)", "tickets.notifications.recipients.Audience", "_load_people"),
        ("load recipients (Audience)", "tickets.notifications.recipients.Audience", "load_companies"),
        ("claim reminders (INSERT … ON CONFLICT)", "tickets.jobs.sweep", "_claim_reminders"),
        ("claim reminders (INSERT … ON CONFLICT)", "tickets.jobs.sweep", "_claim_assignment_reminders"),
        ("raise supervision (UPDATE + events)", "tickets.jobs.sweep", "_raise_supervision"),
        ("auto-close (UPDATE + events)", "tickets.jobs.sweep", "_auto_close"),
        ("compose notifications (notifications.rows_for)", "tickets.notifications", "rows_for"),
        ("insert notifications (save_and_queue)", "tickets.notifications", "save_and_queue"),
        ("notify: other Python in _notify_all", "tickets.jobs.sweep", "_notify_all"),
    ]

    def __init__(self):
        self.seconds = {}
        self.stack = []
        self.patches = []

    def _timed(self, name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            self.stack.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                inner = self.stack.pop()
                spent = time.perf_counter() - started
                self.seconds[name] = self.seconds.get(name, 0.0) + spent - inner
                if self.stack:
                    self.stack[-1] += spent

        return wrapper

    def _timed_iter(self, name, function):
        phases = self

        def wrapper(*args, **kwargs):
            iterator = iter(function(*args, **kwargs))
            while True:
                started = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    phases.seconds[name] = phases.seconds.get(name, 0.0) + time.perf_counter() - started
                    return
                spent = time.perf_counter() - started
                phases.seconds[name] = phases.seconds.get(name, 0.0) + spent
                if phases.stack:
                    phases.stack[-1] += spent
                yield item

        return wrapper

    def __enter__(self):
        import importlib

        from django.db import connection

        for name, path, attribute in self.TARGETS:
            module, _, class_name = path.rpartition(".")
            if class_name[:1].isupper():  # a class of that module
                owner = getattr(importlib.import_module(module), class_name)
            else:
                owner = importlib.import_module(path)
            patch = mock.patch.object(owner, attribute, self._timed(name, getattr(owner, attribute)))
            patch.start()
            self.patches.append(patch)
        sweep = importlib.import_module("tickets.jobs.sweep")
        patch = mock.patch.object(sweep, "_tickets", self._timed_iter("load claimed tickets (sweep._tickets)", sweep._tickets))
        patch.start()
        self.patches.append(patch)
        loader = self._timed_iter("load claimed co assignments (sweep._co_assignments)", sweep._co_assignments)
        patch = mock.patch.object(sweep, "_co_assignments", loader)
        patch.start()
        self.patches.append(patch)
        patch = mock.patch.object(connection, "commit", self._timed("COMMIT (deferred FK checks)", connection.commit))
        patch.start()
        self.patches.append(patch)
        return self

    def __exit__(self, *exc):
        for patch in reversed(self.patches):
            patch.stop()
        self.patches = []


def shorten(sql, width=150):
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def label(sql):
    """A short name for a statement, to group them."""
    s = " ".join(sql.split())
    upper = s.upper()
    if upper.startswith("INSERT INTO TICKETS_REMINDER"):
        return "INSERT reminder claim (… ON CONFLICT DO NOTHING RETURNING)"
    if upper.startswith("INSERT INTO TICKETS_ASSIGNMENTREMINDER"):
        return "INSERT co-handling reminder claim (… ON CONFLICT DO NOTHING RETURNING)"
    for prefix in ("INSERT INTO", "UPDATE", "DELETE FROM"):
        if upper.startswith(prefix):
            table = s[len(prefix):].split()[0].strip('"')
            return f"{prefix.split()[0]} {table}"
    if upper.startswith("SELECT"):
        after = s.split(" FROM ", 1)[1].split()[0].strip('"') if " FROM " in s else "?"
        return f"SELECT … FROM {after}"
    return s.split()[0].upper()


def backend_cpu_seconds():
    """CPU seconds (user + system) the PostgreSQL backend of this connection has used so far, read
    from /proc (the server runs on this machine), or None. With the sweep's own CPU time it gives a
    figure that does not depend on what else the machine is doing, unlike the wall time."""
    import os

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_once(run_sweep, now, profile=False):
    import os

    from django.db import connection

    log = QueryLog(keep_params=True)
    queued = []
    from tickets import tasks

    profiler = cProfile.Profile() if profile else None
    phases = Phases()
    with mock.patch.object(tasks.send_notification_emails, "delay", side_effect=lambda *a, **k: queued.append(1)):
        backend_before = backend_cpu_seconds()
        load = os.getloadavg()[0]
        with phases, connection.execute_wrapper(log):
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            report = run_sweep(now=now)
            if profiler:
                profiler.disable()
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        backend_after = backend_cpu_seconds()
    backend_seconds = None if backend_before is None or backend_after is None else backend_after - backend_before
    profile_text = None
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        profile_text = out.getvalue()
    return {
        "report": report, "seconds": seconds, "log": log, "email_queued": len(queued), "profile": profile_text,
        "phases": phases.seconds, "cpu_seconds": cpu_seconds, "backend_cpu_seconds": backend_seconds, "load_before": load,
    }


def print_run(title, run, limit):
    log = run["log"]
    print()
    print(f"--- {title}: {common.fmt_seconds(run['seconds'])}, {log.count} SQL statements "
          f"({common.fmt_seconds(log.seconds)} in the database driver, {common.fmt_seconds(run['seconds'] - log.seconds)} in Python)")
    print(f"    report: {json.dumps(run['report'])}")
    backend = run["backend_cpu_seconds"]
    print(
        f"    CPU: sweep process {common.fmt_seconds(run['cpu_seconds'])}, PostgreSQL backend "
        f"{common.fmt_seconds(backend) if backend is not None else '?'} (machine load average before the run: {run['load_before']:.2f})"
    )
    print(f"    e-mail sending queued after commit: {run['email_queued']} time(s)")
    print("    where the time goes:")
    accounted = 0.0
    for name, seconds in sorted(run["phases"].items(), key=lambda kv: -kv[1]):
        accounted += seconds
        print(f"      {name:<52} {seconds * 1000:9.1f} ms  {100 * seconds / run['seconds']:5.1f} %")
    rest = run["seconds"] - accounted
    print(f"      {'rest of run_sweep':<52} {rest * 1000:9.1f} ms  {100 * rest / run['seconds']:5.1f} %")
    groups = {}
    for sql, _params, seconds, _many in log.entries:
        g = groups.setdefault(label(sql), [0, 0.0])
        g[0] += 1
        g[1] += seconds
    print("    statements by kind:")
    for name, (count, seconds) in sorted(groups.items(), key=lambda kv: -kv[1][1]):
        print(f"      {count:>4} × {name:<62} {seconds * 1000:9.1f} ms")
    print(f"    statements in order (first {min(limit, log.count)}):")
    for k, (sql, _params, seconds, many) in enumerate(log.entries[:limit], 1):
        print(f"      {k:>3}. {seconds * 1000:8.1f} ms  {shorten(sql)}{'  [executemany]' if many else ''}")


def claim_statements(log):
    """The statements that claim decisions: reminder inserts and conditional ticket updates.
    One of each distinct SQL text (the supervision raises repeat per chunk of 1000)."""
    seen, out = set(), []
    for sql, params, _seconds, _many in log.entries:
        s = " ".join(sql.split())
        if s.startswith(("INSERT INTO tickets_reminder", "INSERT INTO tickets_assignmentreminder", "UPDATE tickets_ticket")):
            key = (s, params[0] if params else None, params[-1] if params else None) if s.startswith("INSERT") else s
            if key in seen:
                continue
            seen.add(key)
            out.append((sql, params))
    return out


def explain_all(statements, title):
    from django.db import connection, transaction

    print()
    print(f"=== EXPLAIN (ANALYZE, BUFFERS) of the claim statements — {title} (each rolled back)")
    results = []
    for sql, params in statements:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)
        shown_params = params if len(params) <= 12 else [*params[:4], f"… {len(params) - 8} more …", *params[-4:]]
        print()
        print(f"> {shorten(sql, 400)}")
        print(f"  params: {', '.join(str(p) for p in shown_params)}")
        for line in plan:
            print("  " + line)
        results.append({"sql": " ".join(sql.split()), "plan": plan})
    return results


def use_database(name):
    """Point Django's connection at another database of the same server."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def main(argv=None):
    args = parse_args(argv)
    url = common.database_url(args.database_url)
    source = common.database_name(url)
    run_name = args.run_database or f"{source}_run"
    results = {"database": source, "aims": {"first_run_s": AIM_FIRST, "noop_run_s": AIM_NOOP}}

    with common.admin_connection(url) as admin:
        if not common.database_exists(admin, source):
            sys.exit(f"Database {source} does not exist: run bench/generate.py first.")
        metadata = common.read_metadata(admin, source) or {}
        if not metadata:
            print(f"Warning: {source} has no generator metadata; checking the report against a SQL count instead.")
        target = source
        if args.restore:
            started = time.perf_counter()
            common.drop_database(admin, run_name)
            common.create_database(admin, run_name, template=source)
            results["snapshot_s"] = round(time.perf_counter() - started, 2)
            print(f"Snapshot {run_name} ← {source} (CREATE DATABASE … TEMPLATE, FILE_COPY): {common.fmt_seconds(results['snapshot_s'])}")
            target = run_name
        else:
            print(f"Running on {source} itself (--no-restore): the first run changes it.")

    try:
        common.setup_django(common.with_database(url, target))
        import sweep_expect
        from django.conf import settings
        from django.db import connection
        from django.utils import timezone

        from tickets.jobs.sweep import run_sweep
        from tickets.models import Ticket

        if args.now == "generated":
            if not metadata.get("as_of"):
                sys.exit("The database has no generator metadata: pass --now wallclock or an ISO datetime.")
            now = datetime.datetime.fromisoformat(metadata["as_of"])
        elif args.now == "wallclock":
            now = timezone.now()
        else:
            now = datetime.datetime.fromisoformat(args.now)
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        results["now"] = now.isoformat()
        with connection.cursor() as cursor:
            cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('work_mem')")
            version, shared_buffers, work_mem = cursor.fetchone()
            tickets = metadata.get("tickets") or Ticket.objects.count()
        print(f"Database {target}: {tickets:,} tickets; {version.split(',')[0]}; shared_buffers {shared_buffers}, work_mem {work_mem}")
        print(
            f"Sweep moment: {timezone.localtime(now):%Y-%m-%d %H:%M:%S %Z} (settings: due soon {settings.REMINDER_DUE_SOON_WORKING_DAYS} "
            f"working day(s), red after {settings.SUPERVISION_RED_AFTER_WORKING_DAYS}, "
            f"auto-close after {settings.AUTO_CLOSE_AFTER_WORKING_DAYS})"
        )

        if args.restore and args.now == "generated" and metadata.get("expected_report"):
            expected = metadata["expected_report"]
            expected_source = "generator (SQL count at generation)"
        else:
            with connection.cursor() as cursor:
                expected = sweep_expect.expected_report(cursor, now)
            expected_source = "SQL count before the first run"
        print(f"Expected report ({expected_source}): {json.dumps(expected)}")

        first = run_once(run_sweep, now, profile=args.profile)
        print_run("First run", first, args.queries)
        if first["profile"]:
            print()
            print("cProfile of the first run (cumulative; profiling slows it down):")
            print(first["profile"])
        second = run_once(run_sweep, now)
        print_run("Second run (nothing left to do)", second, args.queries)

        explains = {}
        if not args.no_explain:
            # The second run's claims, and the first run's UPDATE claims (the second issues no
            # supervision UPDATE: it claimed nothing), each statement text once.
            noop = claim_statements(second["log"])
            seen = {" ".join(sql.split()) for sql, _params in noop}
            for sql, params in claim_statements(first["log"]):
                text = " ".join(sql.split())
                if text.startswith("UPDATE") and text not in seen:
                    seen.add(text)
                    noop.append((sql, params))
            explains["noop"] = explain_all(noop, "state after the runs (no-op)")
            if args.restore and not args.no_explain_first:
                statements = claim_statements(first["log"])
                use_database("postgres")
                with common.admin_connection(url) as admin:
                    common.drop_database(admin, run_name)
                    common.create_database(admin, run_name, template=source)
                use_database(run_name)
                explains["first"] = explain_all(statements, "fresh snapshot (the first run's work)")

        ok_report = first["report"] == expected
        ok_noop = all(v == 0 for v in second["report"].values())
        rows = [
            ("first run", first["seconds"], first["log"].count, AIM_FIRST, json.dumps(first["report"])),
            ("no-op run", second["seconds"], second["log"].count, AIM_NOOP, json.dumps(second["report"])),
        ]
        print()
        print("=" * 100)
        print(f"Sweep benchmark on {tickets:,} tickets ({source}), as of {timezone.localtime(now):%Y-%m-%d %H:%M}")
        print(f"{'run':<10} {'time':>10} {'queries':>8} {'aim':>8}  {'':<5} report")
        for name, seconds, count, aim, report in rows:
            verdict = "PASS" if seconds < aim else "MISS"
            print(f"{name:<10} {seconds:>9.3f}s {count:>8} {'< ' + format(aim, 'g') + ' s':>8}  {verdict:<5} {report}")
        print(f"report matches the data's backlog: {'yes' if ok_report else 'NO — expected ' + json.dumps(expected)}")
        print(f"second run did nothing: {'yes' if ok_noop else 'NO'}")
        print("=" * 100)

        def summary(run):
            return {
                "seconds": round(run["seconds"], 4),
                "cpu_seconds": round(run["cpu_seconds"], 4),
                "backend_cpu_seconds": None if run["backend_cpu_seconds"] is None else round(run["backend_cpu_seconds"], 4),
                "load_before": round(run["load_before"], 2),
                "queries": run["log"].count,
                "db_seconds": round(run["log"].seconds, 4),
                "report": run["report"],
                "phases_s": {k: round(v, 4) for k, v in run["phases"].items()},
                "statements": [[round(s * 1000, 2), shorten(sql, 300)] for sql, _p, s, _m in run["log"].entries],
            }

        results.update(
            expected=expected, first=summary(first), noop=summary(second), report_ok=ok_report, noop_ok=ok_noop,
            first_pass=first["seconds"] < AIM_FIRST, noop_pass=second["seconds"] < AIM_NOOP, explain=explains,
        )
        if args.json:
            Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
            print(f"Results written to {args.json}")
    finally:
        if args.restore and not args.keep:
            try:
                from django.db import connection

                connection.close()
            except Exception:  # noqa: BLE001 — Django may not be set up yet
                pass
            with common.admin_connection(url) as admin:
                common.drop_database(admin, run_name)
            print(f"Dropped {run_name}.")


if __name__ == "__main__":
    main()
