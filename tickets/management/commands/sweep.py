from django.core.management.base import BaseCommand

from tickets import tasks


class Command(BaseCommand):
    help = "Run the reminder sweep once now (the same work Celery beat schedules), then send what is due over every channel."

    def handle(self, *args, **options):
        # The task functions themselves, run in this process: the command does what beat does.
        report = tasks.sweep()
        self.stdout.write("Sweep: " + ", ".join(f"{key}={value}" for key, value in report.items()))
        emails = tasks.send_notification_emails()
        self.stdout.write(f"E-mails: {emails['sent']} sent, {emails['failed']} failed (will retry)")
        for kind in ("sms", "wecom", "dingtalk"):  # a channel that is off sends nothing
            done = tasks.send_channel(kind)
            if done["sent"] or done["failed"]:
                self.stdout.write(f"{kind}: {done['sent']} sent, {done['failed']} failed (will retry)")
