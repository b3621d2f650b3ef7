"""Scheduled mailings (DESIGN.md §4): each department's daily digest, each company's monthly case
history, and the periodic tasks that send them (and the sweep) on a schedule an administrator
can change."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from enterprises.models import User
from tests.conftest import at as conftest_at
from tests.conftest import day, race
from tests.factories import DepartmentFactory, UserFactory
from tickets import notifications, services
from tickets.jobs import mailings
from tickets.jobs.schedule import PERIODIC_TASKS, ensure_periodic_tasks
from tickets.models import Notification, Ticket
from tickets.notifications import outbox


def at(date, hour=8):
    """Mailings happen in the morning: 08:00 unless said."""
    return conftest_at(date, hour)


def digests_for(user):
    return list(Notification.objects.filter(recipient=user, kind="digest"))


def histories_for(user):
    return list(Notification.objects.filter(recipient=user, kind="case_history"))


# --- department daily digest ----------------------------------------------------------------


@pytest.fixture
def give(submit, dispatcher):
    """A ticket assigned on Sep 28 to `department`, due `due`."""

    def _give(department, due, title="贷款审批迟迟没有结果"):
        ticket = submit(title=title, at=at(day(9, 28), 9))
        return services.ticket_assign(ticket=ticket, by=dispatcher, department=department, due_date=due, at=at(day(9, 28)))

    return _give


@pytest.fixture
def desk(department, department_user, other_department, other_department_user, give):
    """On Sep 30: the department has one overdue ticket, one due within two working days (Oct 9,
    after the National Day holiday) and one due later; the other department has nothing due."""
    return {
        "overdue": give(department, day(9, 29), "逾期的诉求"),
        "due_soon": give(department, day(10, 9), "即将到期的诉求"),
        "later": give(department, day(10, 12), "以后到期的诉求"),
        "elsewhere": give(other_department, day(10, 16), "其他部门的诉求"),
    }


def test_digest_lists_the_departments_overdue_and_due_soon_tickets(desk, department_user):
    mailings.send_department_digests(now=at(day(9, 30)))

    [digest] = digests_for(department_user)
    overdue_part, due_soon_part = digest.body.split("\n\n")[:2]
    assert desk["overdue"].reference in overdue_part and "逾期的诉求" in overdue_part
    assert desk["due_soon"].reference in due_soon_part and "2026-10-09" in due_soon_part
    assert desk["later"].reference not in digest.body
    assert desk["elsewhere"].reference not in digest.body
    assert "2026-09-30" in digest.subject and "超期 1 件" in digest.subject and "即将到期 1 件" in digest.subject


def test_digest_goes_to_the_departments_staff_only(desk, department, department_user, supervisor, dispatcher, leader):
    colleague = UserFactory(username="dept_b", role=User.Role.DEPARTMENT, department=department)
    UserFactory(username="dept_gone", role=User.Role.DEPARTMENT, department=department, is_active=False)

    result = mailings.send_department_digests(now=at(day(9, 30)))

    assert result == {"notifications": 2}
    assert sorted(Notification.objects.filter(kind="digest").values_list("recipient__username", flat=True)) == ["dept", colleague.username]


def test_department_with_nothing_due_gets_no_digest(desk, other_department_user):
    DepartmentFactory(name="市商务局")  # no tickets at all

    mailings.send_department_digests(now=at(day(9, 30)))

    assert digests_for(other_department_user) == []
    assert Notification.objects.filter(kind="digest").count() == 1


def test_digest_is_sent_once_a_day(desk, department_user):
    assert mailings.send_department_digests(now=at(day(9, 30), 8)) == {"notifications": 1}

    assert mailings.send_department_digests(now=at(day(9, 30), 17)) == {"notifications": 0}
    assert len(digests_for(department_user)) == 1


def test_digest_that_failed_to_be_written_is_sent_by_the_next_run_the_same_day(desk, department_user, monkeypatch):
    real_row = mailings.notifications.message_row

    def broken(*args, **kwargs):
        raise RuntimeError("mail template broken")

    monkeypatch.setattr(mailings.notifications, "message_row", broken)
    assert mailings.send_department_digests(now=at(day(9, 30), 8)) == {"notifications": 0}  # logged, not raised
    monkeypatch.setattr(mailings.notifications, "message_row", real_row)

    assert mailings.send_department_digests(now=at(day(9, 30), 9)) == {"notifications": 1}
    assert len(digests_for(department_user)) == 1


def test_digest_is_sent_again_the_next_day(desk, department_user):
    mailings.send_department_digests(now=at(day(9, 30)))

    assert mailings.send_department_digests(now=at(day(10, 8))) == {"notifications": 1}
    assert len(digests_for(department_user)) == 2


def with_email(*users):
    for user in users:
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.gov.cn")


def test_a_second_digest_run_the_same_day_reads_nothing_again(desk, give, other_department, other_department_user):
    give(other_department, day(9, 29), "其他部门逾期")
    assert mailings.send_department_digests(now=at(day(9, 30), 8)) == {"notifications": 2}

    with CaptureQueriesContext(connection) as queries:
        assert mailings.send_department_digests(now=at(day(9, 30), 9)) == {"notifications": 0}

    # The working-day horizon (two calendar reads) and the due tickets of departments not yet
    # sent today's digest (none); no claim tried again, whatever the number of departments.
    assert len(queries) <= 3


def test_a_digest_run_queues_one_email_send(
    desk, give, department_user, other_department, other_department_user, django_capture_on_commit_callbacks
):
    give(other_department, day(9, 29), "其他部门逾期")
    with_email(department_user, other_department_user)

    with django_capture_on_commit_callbacks() as callbacks:
        assert mailings.send_department_digests(now=at(day(9, 30))) == {"notifications": 2}

    assert callbacks == [outbox.queue_email_sending]  # one for the run, after every digest committed


# --- monthly case history -------------------------------------------------------------------


@pytest.fixture
def case_file(submit, dispatcher, department, department_user, company_user, liaison, other_company_user):
    """The company has a closed ticket (rated), one still waiting for dispatch; the other
    company has none."""
    closed = submit(title="贷款审批迟迟没有结果", at=at(day(9, 1), 9))
    services.ticket_assign(ticket=closed, by=dispatcher, department=department, at=at(day(9, 1), 10))
    services.ticket_sign(ticket=closed, by=department_user, at=at(day(9, 2)))
    services.ticket_resolve(
        outcome="solved", ticket=closed, by=department_user, result="已协调银行完成审批，贷款已发放。", at=at(day(9, 8))
    )
    services.ticket_confirm(ticket=closed, by=company_user, rating="satisfied", at=at(day(9, 9)))
    waiting = submit(title="用工招聘遇到困难", at=at(day(9, 20), 9))
    return {"closed": Ticket.objects.get(pk=closed.pk), "waiting": waiting}


def test_case_history_goes_to_the_companys_users_and_liaisons(case_file, company_user, liaison, other_company_user, department_user):
    result = mailings.send_case_histories(now=at(day(10, 1), 9))

    assert result == {"notifications": 2}
    assert len(histories_for(company_user)) == len(histories_for(liaison)) == 1
    assert histories_for(department_user) == []


def test_case_history_lists_every_ticket_with_status_department_result_and_rating(case_file, company_user, department):
    mailings.send_case_histories(now=at(day(10, 1), 9))

    [history] = histories_for(company_user)
    closed, waiting = case_file["closed"], case_file["waiting"]
    with translation.override("zh-hans"):
        closed_status, waiting_status = closed.get_status_display(), waiting.get_status_display()
        rating = closed.get_rating_display()
    closed_part, waiting_part = history.body.split("\n\n")[1:3]
    assert closed.reference in closed_part
    for fact in (closed_status, department.name, "已协调银行完成审批，贷款已发放。", rating):
        assert fact in closed_part, fact
    assert waiting.reference in waiting_part and waiting_status in waiting_part


def test_company_without_tickets_gets_no_case_history(case_file, other_company_user):
    mailings.send_case_histories(now=at(day(10, 1), 9))

    assert histories_for(other_company_user) == []


def test_case_history_is_sent_once_a_month(case_file, company_user):
    mailings.send_case_histories(now=at(day(10, 1), 9))

    assert mailings.send_case_histories(now=at(day(10, 20), 9)) == {"notifications": 0}
    assert len(histories_for(company_user)) == 1


def test_case_history_that_failed_to_be_written_is_sent_by_the_next_run(case_file, company_user, monkeypatch):
    real_text = mailings._case_history_text

    def broken(*args, **kwargs):
        raise RuntimeError("mail template broken")

    monkeypatch.setattr(mailings, "_case_history_text", broken)
    assert mailings.send_case_histories(now=at(day(10, 1), 9)) == {"notifications": 0}  # logged, not raised
    monkeypatch.setattr(mailings, "_case_history_text", real_text)

    assert mailings.send_case_histories(now=at(day(10, 1), 10)) == {"notifications": 2}
    assert len(histories_for(company_user)) == 1


def test_case_history_is_sent_again_the_next_month(case_file, company_user):
    mailings.send_case_histories(now=at(day(10, 1), 9))

    assert mailings.send_case_histories(now=at(day(11, 1), 9)) == {"notifications": 2}
    assert len(histories_for(company_user)) == 2


def test_case_history_missed_on_the_first_is_caught_up_later_that_month(case_file, company_user, liaison):
    # Nothing ran on Oct 1 (beat or broker down); the daily run of Oct 3 sends October's.
    assert mailings.send_case_histories(now=at(day(10, 3), 9)) == {"notifications": 2}

    [history] = histories_for(company_user)
    assert "2026-10" in history.subject and "2026-10-03" in history.body
    assert len(histories_for(liaison)) == 1
    assert mailings.send_case_histories(now=at(day(10, 4), 9)) == {"notifications": 0}


@pytest.fixture
def second_company(case_file, submit, other_company_user):
    """The other company has a ticket too."""
    return submit(by=other_company_user, enterprise=other_company_user.enterprise, at=at(day(9, 3), 9))


def test_a_second_case_history_run_reads_nothing_again(second_company, company_user, other_company_user):
    assert mailings.send_case_histories(now=at(day(10, 1), 9)) == {"notifications": 3}

    with CaptureQueriesContext(connection) as queries:
        assert mailings.send_case_histories(now=at(day(10, 2), 9)) == {"notifications": 0}

    assert len(queries) == 1  # the companies with tickets not yet sent this month's: none


def test_a_case_history_run_queues_one_email_send(
    second_company, company_user, liaison, other_company_user, django_capture_on_commit_callbacks
):
    with_email(company_user, liaison, other_company_user)

    with django_capture_on_commit_callbacks() as callbacks:
        assert mailings.send_case_histories(now=at(day(10, 1), 9)) == {"notifications": 3}

    assert callbacks == [outbox.queue_email_sending]  # one for the run, not one per company


def test_digest_and_case_history_end_with_their_link_and_the_footer_every_email_has(
    desk, case_file, department_user, company_user, settings
):
    mailings.send_department_digests(now=at(day(9, 30)))
    mailings.send_case_histories(now=at(day(10, 1), 9))

    footer = notifications.Composer(Notification.Kind.DUE_SOON).footer
    for note in digests_for(department_user) + histories_for(company_user):
        link, last = note.body.split("\n\n")[-2:]
        assert last == footer
        assert link.endswith(settings.SITE_URL + note.url)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_digest_and_case_history_once(desk, case_file, department_user, company_user, liaison):
    race(lambda: mailings.send_department_digests(now=at(day(10, 1))), lambda: mailings.send_department_digests(now=at(day(10, 1))))
    race(lambda: mailings.send_case_histories(now=at(day(10, 1))), lambda: mailings.send_case_histories(now=at(day(10, 1))))

    assert len(digests_for(department_user)) == 1
    assert len(histories_for(company_user)) == len(histories_for(liaison)) == 1


# --- the schedule -----------------------------------------------------------------------------


def test_the_periodic_tasks_exist_after_migrate(db):
    stored = dict(PeriodicTask.objects.values_list("name", "task"))
    for name, task, _when in PERIODIC_TASKS:
        assert stored.get(name) == task, name
    assert {task for _n, task, _w in PERIODIC_TASKS} == {
        "tickets.sweep",
        "tickets.send_notification_emails",
        "tickets.send_sms",
        "tickets.send_wecom",
        "tickets.send_dingtalk",
        "tickets.department_digests",
        "tickets.case_history_mailing",
        "tickets.draw_verification_calls",
        "tickets.prune_access_log",
        "tickets.freeze_last_month",
        "tickets.remind_liaison_visits",
    }


def test_the_schedule_runs_the_digest_daily_and_the_case_history_monthly(db):
    digest = PeriodicTask.objects.get(task="tickets.department_digests")
    history = PeriodicTask.objects.get(task="tickets.case_history_mailing")
    assert (digest.crontab.hour, digest.crontab.minute, digest.crontab.day_of_month) == ("8", "0", "*")
    # Daily, so that a missed run is caught up; each company still gets one a month (see above).
    assert (history.crontab.hour, history.crontab.minute, history.crontab.day_of_month) == ("9", "0", "*")
    assert str(history.crontab.timezone) == "Asia/Shanghai"
    assert PeriodicTask.objects.get(task="tickets.sweep").interval.every == 300


def test_ensure_periodic_tasks_keeps_an_interval_an_admin_changed(db):
    sweep = PeriodicTask.objects.get(task="tickets.sweep")
    sweep.interval, _ = IntervalSchedule.objects.get_or_create(every=15, period=IntervalSchedule.MINUTES)
    sweep.enabled = False
    sweep.save()

    ensure_periodic_tasks()

    sweep.refresh_from_db()
    assert (sweep.interval.every, sweep.interval.period, sweep.enabled) == (15, "minutes", False)
    assert PeriodicTask.objects.filter(task="tickets.sweep").count() == 1


def test_ensure_periodic_tasks_recreates_a_missing_task(db):
    PeriodicTask.objects.filter(task="tickets.department_digests").delete()

    ensure_periodic_tasks()

    task = PeriodicTask.objects.get(task="tickets.department_digests")
    assert json.loads(task.kwargs) == {}
    assert PeriodicTask.objects.filter(task__startswith="tickets.").count() == len(PERIODIC_TASKS)


def test_one_failing_digest_does_not_stop_the_others(
    department, department_user, other_department, other_department_user, give, monkeypatch
):
    give(department, day(9, 29), "本部门逾期")
    give(other_department, day(9, 29), "其他部门逾期")
    real = mailings._department_digest

    def broken_for_first(department_id, *args):
        if department_id == department.pk:
            raise RuntimeError("template broken")
        return real(department_id, *args)

    monkeypatch.setattr(mailings, "_department_digest", broken_for_first)
    assert mailings.send_department_digests(now=at(day(9, 30))) == {"notifications": 1}
    assert len(digests_for(other_department_user)) == 1
    assert digests_for(department_user) == []


def _move_case_history_row():
    import importlib

    from django.apps import apps

    importlib.import_module("tickets.migrations.0004_case_history_daily").run_case_history_daily(apps, None)


def _case_history_row(day_of_month, hour="9"):
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    PeriodicTask.objects.filter(name=PERIODIC_TASKS[3][0]).delete()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour=hour, day_of_month=day_of_month, month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    return PeriodicTask.objects.create(name=PERIODIC_TASKS[3][0], task="tickets.case_history_mailing", crontab=crontab)


def test_the_migration_moves_a_case_history_row_left_on_the_old_default_to_daily(db):
    task = _case_history_row("1")
    _move_case_history_row()
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_month) == ("0", "9", "*")


def test_the_migration_leaves_a_case_history_schedule_an_administrator_changed(db):
    task = _case_history_row("2", hour="10")
    _move_case_history_row()
    task.refresh_from_db()
    assert (task.crontab.hour, task.crontab.day_of_month) == ("10", "2")
