import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tickets.services.assessment import assessment_correct_month, assessment_freeze_month
from tickets.services.base import ActionRefused


class Command(BaseCommand):
    help = "Freeze a month's assessment (月度考核), as beat does on the first working day; --correct issues a corrected edition."

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM, a month that has ended")
        parser.add_argument("--correct", action="store_true", help="issue a corrected edition of a frozen month")
        parser.add_argument("--reason", default="", help="why the corrected edition is issued (required with --correct)")
        parser.add_argument("--by", default="", help="the username recorded as having frozen it (default: none)")

    def handle(self, *args, month, correct=False, reason="", by="", **options):
        try:
            first = datetime.datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise CommandError("The month is YYYY-MM, e.g. 2026-10") from None
        user = None
        if by:
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"No user {by!r}")
        try:
            if correct:
                result = assessment_correct_month(month=first, by=user, reason=reason)
            else:
                result = assessment_freeze_month(month=first, by=user)
        except ActionRefused as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(str(result.message))
