"""Background work end to end (DESIGN.md §4): the tasks run by a real Celery worker on the real
Redis broker, and an action still succeeds when the broker is down.

The worker runs in a thread of the test process (celery.contrib.testing.worker), so it uses the
test database; the tests are transactional so that the worker sees what they wrote. Messages go
to a Redis key prefix of their own, so parallel test runs on one Redis never take each other's
tasks. Without Redis these tests skip, except in CI (CI=true), where they fail.
"""

import datetime
import os
import threading
import time
import uuid
from types import SimpleNamespace

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from enterprises.models import User
from tests.factories import notification_with_email
from tests.services_down import DEAD_REDIS_URL, Broker
from tickets import services, tasks
from tickets.jobs.schedule import PERIODIC_TASKS
from tickets.models import Delivery, Notification, Ticket
from tickets.notifications import sender

BROKER_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/15"
DEAD_BROKER_URL = DEAD_REDIS_URL


def _redis_error(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as error:
        return error
    return None


def _delete_keys(url, prefix):
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def _running_worker():
    """One real worker for the module, on the real Redis under a key prefix of its own."""
    error = _redis_error(BROKER_URL)
    if error is not None:
        message = f"Redis is not reachable at {BROKER_URL} ({error}); start redis-server or set REDIS_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    prefix = f"qiye-test-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": prefix}
    _delete_keys(BROKER_URL, prefix)
    try:
        with Broker(BROKER_URL, broker_transport_options=options) as app:
            with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=30):
                yield app
    finally:
        _delete_keys(BROKER_URL, prefix)


@pytest.fixture
def worker(transactional_db, _running_worker):
    """The worker, with tasks going to it (not run in-process) and an empty queue. Its `ran`
    lists the tasks that the worker thread (not the test's thread) executed."""
    app = _running_worker
    app.control.purge()
    in_process = app.conf.task_always_eager
    app.conf.task_always_eager = False
    test_thread, ran = threading.get_ident(), []

    def record(sender=None, **kwargs):
        if threading.get_ident() != test_thread and not getattr(sender.request, "is_eager", False):
            ran.append(sender.name)

    task_prerun.connect(record, weak=False)
    yield SimpleNamespace(app=app, ran=ran)
    task_prerun.disconnect(record)
    app.conf.task_always_eager = in_process
    app.control.purge()


def wait_for(condition, timeout=20, what="the worker"):
    """Poll the database until `condition()` is true. On SQLite (tests share one in-memory
    database with the worker's thread) a read while the worker's transaction writes is refused
    with "database table is locked" instead of waiting: that poll counts as not yet."""
    from django.db import OperationalError

    def met():
        try:
            return condition()
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            return False

    deadline = time.monotonic() + timeout
    while not met():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def overdue_ticket(submit, dispatcher, department, department_user, supervisor):
    """Assigned two days ago, due yesterday: overdue (but not long overdue) today, whatever today is."""
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    ticket = submit(at=two_days_ago)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return services.ticket_assign(ticket=ticket, by=dispatcher, department=department, due_date=yesterday, at=two_days_ago)


def test_every_scheduled_task_is_a_registered_task():
    registered = set(celery_app.tasks.keys())
    assert {task for _name, task, _when in PERIODIC_TASKS} <= registered


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_sweep_task_run_by_the_worker_raises_supervision_on_an_overdue_ticket(overdue_ticket, worker, supervisor):
    tasks.sweep.delay()

    wait_for(lambda: Ticket.objects.get(pk=overdue_ticket.pk).supervision_level == "yellow", what="the sweep")
    assert "tickets.sweep" in worker.ran
    assert Notification.objects.filter(ticket=overdue_ticket, kind="overdue", recipient=supervisor).exists()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_email_task_run_by_the_worker_sends_pending_emails(worker, supervisor):
    User.objects.filter(pk=supervisor.pk).update(email="duban@example.gov.cn")
    delivery = notification_with_email(supervisor, subject="待发送的通知")

    tasks.send_notification_emails.delay()

    wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == "sent", what="the e-mail task")
    assert worker.ran == ["tickets.send_notification_emails"]
    assert [(m.to, m.subject) for m in mail.outbox] == [(["duban@example.gov.cn"], "待发送的通知")]


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_digest_task_run_by_the_worker_tells_the_department(overdue_ticket, worker, department_user):
    tasks.department_digests.delay()

    wait_for(lambda: Notification.objects.filter(recipient=department_user, kind="digest").exists(), what="the digest task")
    assert "tickets.department_digests" in worker.ran
    assert overdue_ticket.reference in Notification.objects.get(recipient=department_user, kind="digest").body


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_case_history_task_run_by_the_worker_tells_the_company(overdue_ticket, worker, company_user):
    tasks.case_history_mailing.delay()

    wait_for(lambda: Notification.objects.filter(recipient=company_user, kind="case_history").exists(), what="the case-history task")
    assert "tickets.case_history_mailing" in worker.ran
    assert overdue_ticket.reference in Notification.objects.get(recipient=company_user, kind="case_history").body


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_notifications_of_an_action_are_emailed_by_the_worker_after_commit(worker, dispatcher, submit):
    User.objects.filter(pk=dispatcher.pk).update(email="jiaoban@example.gov.cn")

    ticket = submit()  # commits; its on_commit hook queues the e-mail task on the broker

    wait_for(lambda: len(mail.outbox) == 1, what="the queued e-mail")
    assert "tickets.send_notification_emails" in worker.ran
    assert mail.outbox[0].to == ["jiaoban@example.gov.cn"] and ticket.reference in mail.outbox[0].subject
    assert Delivery.objects.get(notification__recipient=dispatcher, notification__ticket=ticket).status == "sent"


# --- the broker is down ---------------------------------------------------------------------


@pytest.fixture
def dead_broker():
    with Broker(DEAD_BROKER_URL, broker_connection_timeout=1) as app:
        yield app


def test_submission_with_the_broker_down_saves_the_ticket_and_mails_later(
    dead_broker, dispatcher, company_user, category, client, django_capture_on_commit_callbacks, caplog
):
    User.objects.filter(pk=dispatcher.pk).update(email="jiaoban@example.gov.cn")
    client.force_login(company_user)
    form = {"category": category.pk, "title": "贷款审批迟迟没有结果", "description": "申请技改贷款至今没有答复。", "priority": "normal"}

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("ticket_new"), form)
    elapsed = time.monotonic() - started

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ticket_detail", args=[ticket.reference])
    assert elapsed < 5, f"the request took {elapsed:.1f}s with the broker down"
    assert callbacks  # the e-mail task was queued after the commit…
    assert "Could not queue e-mail sending" in caplog.text  # …and publishing it failed
    delivery = Delivery.objects.select_related("notification").get(notification__recipient=dispatcher, notification__ticket=ticket)
    assert (delivery.notification.kind, delivery.channel, delivery.status) == ("submitted", "email", "pending")
    assert mail.outbox == []

    # The periodic e-mail task, once a worker runs again, sends what is still pending.
    assert sender.send_due_emails() == (1, 0)
    assert [m.to for m in mail.outbox] == [["jiaoban@example.gov.cn"]]
