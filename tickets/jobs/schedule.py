"""The periodic schedule, stored with django-celery-beat so that an administrator can change
intervals and times in the admin. Created on migrate if missing; never overwritten."""

PERIODIC_TASKS = [
    # (name, task, interval in seconds or a crontab dict)
    ("Reminder sweep (催办扫描)", "tickets.sweep", {"every": 300}),
    ("Send pending e-mails (邮件补发)", "tickets.send_notification_emails", {"every": 60}),
    ("Department daily digest (部门每日汇总)", "tickets.department_digests", {"crontab": {"minute": "0", "hour": "8"}}),
    # Daily: each run sends this month's case history to the companies not sent it yet, so a
    # run missed on the 1st (beat or broker down) is caught up the next day. Migration
    # tickets.0004 moves a row created before with the old default (the 1st only).
    ("Monthly case histories (企业月度档案)", "tickets.case_history_mailing", {"crontab": {"minute": "0", "hour": "9"}}),
    # Daily too: each run draws last month's verification calls if they are not drawn yet (a
    # month is drawn once), so a run missed on the 1st is caught up the next day.
    ("Verification calls (回访核实抽样)", "tickets.draw_verification_calls", {"crontab": {"minute": "30", "hour": "7"}}),
    # Daily too: each run freezes last month's assessment (考核) if it is not frozen yet and this
    # month's first working day has come, so a run missed that day is caught up the next.
    ("Monthly assessment freeze (月度考核冻结)", "tickets.freeze_last_month", {"crontab": {"minute": "0", "hour": "8"}}),
    # Daily: in a quarter's last 10 working days, each liaison is reminded once of the companies
    # not visited yet this quarter (a missed day is caught up the next; tickets.jobs.visits).
    ("Liaison visit reminders (包联走访提醒)", "tickets.remind_liaison_visits", {"crontab": {"minute": "45", "hour": "8"}}),
    # Daily, at night: the access log's rows past ACCESS_LOG_RETENTION_DAYS.
    ("Access log pruning (访问日志清理)", "tickets.prune_access_log", {"crontab": {"minute": "15", "hour": "3"}}),
    # Appended (tests index the rows above). One per external channel, each a run of its own: a slow provider never holds up another.
    # A channel that is off sends nothing.
    ("Send pending text messages (短信补发)", "tickets.send_sms", {"every": 60}),
    ("Send pending WeCom messages (企业微信补发)", "tickets.send_wecom", {"every": 60}),
    ("Send pending DingTalk notifications (钉钉补发)", "tickets.send_dingtalk", {"every": 60}),
]


def ensure_periodic_tasks():
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    for name, task, when in PERIODIC_TASKS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        if "every" in when:
            interval, _ = IntervalSchedule.objects.get_or_create(every=when["every"], period=IntervalSchedule.SECONDS)
            PeriodicTask.objects.create(name=name, task=task, interval=interval)
        else:
            fields = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*", **when["crontab"]}
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone=settings.TIME_ZONE, **fields)
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab)
