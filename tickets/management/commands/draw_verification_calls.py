import datetime

from django.core.management.base import BaseCommand, CommandError

from tickets import services
from tickets.jobs.verification import draw_last_month


class Command(BaseCommand):
    help = "Draw the verification calls (回访核实) of a month that has ended (default: last month), as beat does daily."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")

    def handle(self, *args, month=None, **options):
        if month is None:
            drawn = draw_last_month()
        else:
            try:
                first = datetime.datetime.strptime(month, "%Y-%m").date()
            except ValueError:
                raise CommandError("--month takes YYYY-MM, e.g. 2026-05") from None
            try:
                drawn = {"month": month, "calls": len(services.verification_draw(month=first))}
            except services.ActionRefused as refused:
                raise CommandError(refused.message) from None
        self.stdout.write(f"Verification calls {drawn['month']}: {drawn['calls']} drawn now")
