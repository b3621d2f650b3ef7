import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tickets import reports
from tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Check the tickets' stored report facts (what the leadership report reads for 'now') against "
        "their event timelines, and optionally repair the ones that differ."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="only tickets submitted in the last N days (default: all)")
        parser.add_argument("--repair", action="store_true", help="rewrite the facts of the tickets that differ")

    def handle(self, *args, days=None, repair=False, **options):
        tickets = Ticket.objects.all()
        if days is not None:
            if days < 1:
                raise CommandError("--days must be at least 1")
            tickets = tickets.filter(submitted_at__gte=timezone.now() - datetime.timedelta(days=days))
        differing = list(reports.current_facts_disagreeing(tickets).order_by("pk").values_list("pk", "reference"))
        checked = tickets.count()
        if not differing:
            self.stdout.write(f"{checked} tickets checked: every stored fact agrees with the timeline.")
            return
        shown = ", ".join(reference for _pk, reference in differing[:20])
        self.stdout.write(f"{checked} tickets checked: {len(differing)} differ from their timeline: {shown}")
        if not repair:
            raise CommandError("Stored report facts differ; run with --repair to rewrite them.")
        repaired = reports.store_current_facts(Ticket.objects.filter(pk__in=[pk for pk, _ref in differing]))
        self.stdout.write(f"Repaired {repaired} tickets.")
