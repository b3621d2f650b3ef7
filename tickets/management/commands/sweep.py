from django.core.management.base import BaseCommand

from tickets import tasks


class Command(BaseCommand):
    help = "Run the reminder sweep once now (the same work Celery beat schedules), then send due e-mails."

    def handle(self, *args, **options):
        # The task functions themselves, run in this process: the command does what beat does.
        report = tasks.sweep()
        self.stdout.write("Sweep: " + ", ".join(f"{key}={value}" for key, value in report.items()))
        emails = tasks.send_notification_emails()
        self.stdout.write(f"E-mails: {emails['sent']} sent, {emails['failed']} failed (will retry)")
