"""manage.py import_channel_addresses file.csv: people's mobile numbers, WeCom and DingTalk user
ids by username (enterprises.channel_addresses). One bad row and nothing is saved."""

from django.core.management.base import BaseCommand, CommandError

from enterprises.channel_addresses import ImportRefused, import_addresses


class Command(BaseCommand):
    help = "Import mobile numbers, WeCom and DingTalk user ids by username from a CSV file (header: username,mobile,wecom_userid,..)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as handle:
                changed = import_addresses(handle.read())
        except OSError as error:
            raise CommandError(str(error)) from None
        except ImportRefused as refused:
            raise CommandError("Nothing imported:\n" + "\n".join(refused.errors)) from None
        self.stdout.write(f"{changed} people updated")
