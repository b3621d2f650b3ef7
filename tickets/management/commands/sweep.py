from django.core.management.base import BaseCommand

from tickets.notifications import send_due_emails
from tickets.sweep import run_sweep


class Command(BaseCommand):
    help = "Run the reminder sweep once now (the same work Celery beat schedules), then send due e-mails."

    def handle(self, *args, **options):
        report = run_sweep()
        self.stdout.write("Sweep: " + ", ".join(f"{key}={value}" for key, value in report.items()))
        sent, failed = send_due_emails()
        self.stdout.write(f"E-mails: {sent} sent, {failed} failed (will retry)")
