from django.conf import settings
from django.db import migrations

NAME = "Monthly case histories (企业月度档案)"


def run_case_history_daily(apps, schema_editor):
    # The case-history task now catches up a run missed on the 1st when it runs daily. Move the
    # row tickets.schedule created before, if it still has that old default (1st, 09:00): a
    # schedule an administrator changed is theirs and stays.
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    task = PeriodicTask.objects.filter(name=NAME).select_related("crontab").first()
    old = task.crontab if task else None
    if old is None or (old.minute, old.hour, old.day_of_month, old.month_of_year, old.day_of_week) != ("0", "9", "1", "*", "*"):
        return
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="9", day_of_month="*", month_of_year="*", day_of_week="*", timezone=old.timezone or settings.TIME_ZONE
    )
    task.crontab = daily
    task.save(update_fields=["crontab"])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_report_facts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(run_case_history_daily, migrations.RunPython.noop)]
