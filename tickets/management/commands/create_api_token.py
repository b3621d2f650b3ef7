from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tickets import services


class Command(BaseCommand):
    help = "Issue an API token for a user and print its key (shown only now; stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what uses it, e.g. 12345-platform")
        parser.add_argument("--days", type=int, help="how long it lives (default API_TOKEN_DAYS)")

    def handle(self, *args, username, name, days=None, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None
        try:
            token, key = services.api_token_issue(user=user, name=name, days=days)
        except services.ActionRefused as refused:
            raise CommandError(refused.message) from None
        self.stderr.write(f"Token “{token.name}” for {username}, valid until {token.expiry:%Y-%m-%d %H:%M %Z}. Its key (not shown again):")
        self.stdout.write(key)
