#!/usr/bin/env python
"""Measures product changes proposed for the sweep, without making them: each variant patches
tickets.jobs.sweep in this process only, runs on its own fresh snapshot, and the notifications it
wrote are compared with the unpatched sweep's (an md5 of every row but the id), so a variant is
only reported if it writes exactly the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiye_bench .venv/bin/python bench/sweep_experiments.py

Variants:
- baseline: tickets.jobs.sweep as it is.
- fast-notify: the sweep's notifications built as plain tuples (one reverse() and one
  translation lookup per ticket instead of one per recipient, no Notification instances) and
  written with COPY; the claimed tickets loaded with values_list() of the eleven columns the
  messages need instead of full rows with select_related.
"""

import argparse
import datetime
import sys
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import sweep_bench  # noqa: E402

# Every notification with its deliveries (one per channel), but the ids.
DIGEST_SQL = (
    "SELECT count(*), md5(coalesce(string_agg(concat_ws('|', n.recipient_id, n.ticket_id, n.kind, n.subject, n.body, n.url, n.created_at, "
    "n.read_at, d.channel, d.status, d.attempts, d.next_attempt_at, d.sent_at, d.last_error, d.created_at), E'\\n' "
    "ORDER BY n.ticket_id, n.kind, n.recipient_id, d.channel), '')) "
    "FROM tickets_notification n LEFT JOIN tickets_delivery d ON d.notification_id = n.id"
)
STATE_SQL = (
    "SELECT md5(string_agg(concat_ws('|', id, status, supervision_level, rating, closed_at), ',' ORDER BY id)) "
    "FROM tickets_ticket WHERE updated_at >= %s"
)


COPIES = []  # COPY statements of the fast path (execute_wrapper does not see COPY)


class LightTicket:
    """What the sweep's messages and recipient rules read from a ticket."""

    __slots__ = (
        "pk", "reference", "title", "enterprise_id", "department_id", "due_date", "response_due_date", "resolved_at",
        "supervision_level", "enterprise_name", "department_name",
    )

    def __init__(self, row):
        (self.pk, self.reference, self.title, self.enterprise_id, self.department_id, self.due_date, self.response_due_date,
         self.resolved_at, self.supervision_level, self.enterprise_name, self.department_name) = row


def fast_tickets(ids):
    from tickets.jobs.sweep import _CHUNK
    from tickets.models import Ticket

    for start in range(0, len(ids), _CHUNK):
        rows = (
            Ticket.objects.filter(pk__in=ids[start : start + _CHUNK]).order_by("id")
            .values_list("id", "reference", "title", "enterprise_id", "department_id", "due_date", "response_due_date", "resolved_at",
                         "supervision_level", "enterprise__name", "department__name")
        )
        for row in rows:
            yield LightTicket(row)


def fast_notify_all(kind, tickets, audience, now):
    """tickets.jobs.sweep._notify_all, same rows: compose() and build() inlined per ticket."""
    from django.conf import settings
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _

    from tickets.models import Delivery, SupervisionLevel
    from tickets.notifications import outbox, texts

    subject_text, body_text = texts._TEXTS[kind]
    with translation.override(settings.LANGUAGE_CODE):
        subject_t, body_t = _(subject_text), _(body_text)
        level_labels = {value: str(label) for value, label in SupervisionLevel.choices}
        link_t = _("Open the ticket: %(url)s")
        footer = _("This message was sent by the Enterprise Issue Resolution System.")
    pending = Delivery.Status.PENDING
    no_address = Delivery.Status.NO_ADDRESS
    rows = []
    for t in tickets:
        facts = {
            "ref": t.reference,
            "title": t.title,
            "company": t.enterprise_name if t.enterprise_id else "",
            "department": t.department_name if t.department_id else "",
            "due": t.due_date.isoformat() if t.due_date else "",
            "sign_by": t.response_due_date.isoformat() if t.response_due_date else "",
            "resolved": timezone.localdate(t.resolved_at).isoformat() if t.resolved_at else "",
            "level": level_labels[t.supervision_level],
            "days": settings.SUPERVISION_RED_AFTER_WORKING_DAYS,
            "note": "",
        }
        values = {key: value if value not in (None, "") else "—" for key, value in facts.items()}
        url = reverse("ticket_detail", args=[t.reference])
        subject = (subject_t % values)[:200]
        body = f"{body_t % values}\n\n{link_t % {'url': settings.SITE_URL + url}}\n\n{footer}"
        seen = set()
        for user in audience.recipients_for(kind, t):
            if user.pk in seen:
                continue
            seen.add(user.pk)
            status = pending if user.email else no_address
            rows.append((user.pk, t.pk, kind, subject, body, url, now, (("email", status),)))
    if rows:
        COPIES.extend([len(rows)] * 2)  # the notifications, their deliveries
        outbox.insert_rows(rows)
        if any(row[-1][0][1] == pending for row in rows):
            transaction.on_commit(outbox.queue_email_sending)
    return len(rows)


VARIANTS = {
    "baseline": [],
    "fast-notify": [("tickets.jobs.sweep", "_notify_all", fast_notify_all), ("tickets.jobs.sweep", "_tickets", fast_tickets)],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each variant (each on a fresh snapshot)")
    args = parser.parse_args(argv)
    url = common.database_url(args.database_url)
    source = common.database_name(url)
    run_name = f"{source}_exp"
    with common.admin_connection(url) as admin:
        metadata = common.read_metadata(admin, source) or {}
    if not metadata.get("as_of"):
        sys.exit("The database has no generator metadata (run bench/generate.py).")
    now = datetime.datetime.fromisoformat(metadata["as_of"])
    common.setup_django(common.with_database(url, "postgres"))
    import importlib

    from django.db import connection

    from tickets.jobs.sweep import run_sweep

    results = []
    try:
        for variant in args.variants.split(","):
            for attempt in range(args.repeat):
                sweep_bench.use_database("postgres")
                with common.admin_connection(url) as admin:
                    common.drop_database(admin, run_name)
                    common.create_database(admin, run_name, template=source)
                sweep_bench.use_database(run_name)
                patches = [mock.patch.object(importlib.import_module(m), a, f) for m, a, f in VARIANTS[variant]]
                for patch in patches:
                    patch.start()
                try:
                    COPIES.clear()
                    first = sweep_bench.run_once(run_sweep, now)
                    first["copies"] = len(COPIES)
                    second = sweep_bench.run_once(run_sweep, now)
                finally:
                    for patch in patches:
                        patch.stop()
                with connection.cursor() as cursor:
                    cursor.execute(DIGEST_SQL)
                    count, digest = cursor.fetchone()
                    cursor.execute(STATE_SQL, [now])
                    state = cursor.fetchone()[0]
                results.append((variant, attempt + 1, first, second, count, digest, state))
                sweep_bench.print_run(f"{variant} #{attempt + 1}: first run", first, 0)
                if first.get("copies"):
                    print(f"    + {first['copies']} COPY statements (notifications), not seen by execute_wrapper")
                print(f"    notifications written: {count:,}, digest {digest}; tickets changed: digest {state}")
    finally:
        sweep_bench.use_database("postgres")
        with common.admin_connection(url) as admin:
            common.drop_database(admin, run_name)
    print()
    print("=" * 100)
    base = next((r for r in results if r[0] == "baseline"), None)
    print(f"{'variant':<14} {'#':>2} {'first run':>10} {'queries':>8} {'no-op':>9} {'notifications':>14}  same data as baseline")
    for variant, attempt, first, second, count, digest, state in results:
        same = "—" if base is None else ("yes" if (digest, state) == (base[5], base[6]) else "NO")
        queries = first["log"].count + first.get("copies", 0)
        print(f"{variant:<14} {attempt:>2} {first['seconds']:>9.3f}s {queries:>8} {second['seconds']:>8.3f}s {count:>14,}  {same}")
    print("=" * 100)


if __name__ == "__main__":
    main()
