"""Notifications: who is told about each action, the in-app list, and e-mail delivery with retries."""

import datetime
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.urls import reverse
from django.utils import timezone

from enterprises.models import User
from tickets import notifications, services
from tickets.notifications.channels import email as email_channel
from tickets.models import Notification


def kinds_for(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_submission_tells_the_dispatch_office(dispatcher, ticket):
    assert kinds_for(dispatcher) == ["submitted"]


def test_assignment_tells_the_department(department_user, other_department_user, assigned_ticket):
    assert kinds_for(department_user) == ["assigned"]
    assert kinds_for(other_department_user) == []


def test_resolution_asks_the_company_and_its_liaison_to_confirm(company_user, liaison, resolved_ticket):
    assert "resolved" in kinds_for(company_user)
    assert "resolved" in kinds_for(liaison)


def test_the_person_who_acted_is_not_told(dispatcher, submit):
    services.ticket_submit(
        by=dispatcher, enterprise=submit().enterprise, category=submit().category, title="热线来电", description="企业来电反映", priority="normal"
    )
    assert Notification.objects.filter(recipient=dispatcher, kind="submitted").count() == 2  # the two company submissions only


def test_manual_red_card_also_tells_leadership(supervisor, leader, department_user, assigned_ticket):
    services.ticket_raise_supervision(ticket=assigned_ticket, by=supervisor, level="red", notice="严重超期")
    assert "supervised" in kinds_for(leader)
    assert "supervised" in kinds_for(department_user)


def test_messages_are_in_chinese_by_default(department_user, assigned_ticket):
    note = Notification.objects.get(recipient=department_user)
    assert assigned_ticket.reference in note.subject
    assert "签收" in note.body


def test_user_without_email_is_told_in_the_app_only(dispatcher, ticket):
    dispatcher.email = ""
    dispatcher.save()
    other = services.ticket_submit(by=ticket.submitted_by, enterprise=ticket.enterprise, category=ticket.category, title="再提交", description="x", priority="normal")
    assert Notification.objects.get(recipient=dispatcher, ticket=other).email_status == "no_address"


def test_emails_are_queued_only_after_commit(dispatcher, django_capture_on_commit_callbacks, submit, settings):
    dispatcher.email = "jiaoban@example.gov.cn"
    dispatcher.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit()
    assert len(mail.outbox) == 0
    assert callbacks  # sending is queued for after the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jiaoban@example.gov.cn"]


# --- sending ----------------------------------------------------------------------------------


@pytest.fixture
def pending_email(dispatcher, ticket):
    note = Notification.objects.get(recipient=dispatcher)
    Notification.objects.filter(pk=note.pk).update(email_status="pending", email_next_attempt_at=timezone.now())
    dispatcher.email = "jiaoban@example.gov.cn"
    dispatcher.save()
    return note


class FlakyBackend:
    """Fails the first `failures` sends, then works: an SMTP server that was briefly down."""

    failures = 1
    calls = 0
    opened = 0

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        FlakyBackend.opened += 1
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise ConnectionRefusedError("SMTP server unavailable")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky_backend(settings):
    FlakyBackend.calls = FlakyBackend.opened = 0
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.FlakyBackend"
    return FlakyBackend


def test_failed_email_is_retried_later_and_then_sent(pending_email, flaky_backend, settings):
    now = timezone.now()
    assert email_channel.send_due_emails(now=now) == (0, 1)
    pending_email.refresh_from_db()
    assert pending_email.email_status == "failed"
    assert "SMTP server unavailable" in pending_email.email_error
    assert pending_email.email_next_attempt_at == now + datetime.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS)

    assert email_channel.send_due_emails(now=now + datetime.timedelta(seconds=1)) == (0, 0)  # not yet due again

    later = now + datetime.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS + 1)
    assert email_channel.send_due_emails(now=later) == (1, 0)
    pending_email.refresh_from_db()
    assert (pending_email.email_status, pending_email.email_attempts, pending_email.email_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


def test_backoff_doubles_and_finally_gives_up(pending_email, flaky_backend, settings):
    flaky_backend.failures = 99
    settings.EMAIL_MAX_ATTEMPTS = 3
    now = timezone.now()
    delays = []
    for _attempt in range(3):
        email_channel.send_due_emails(now=now)
        pending_email.refresh_from_db()
        if pending_email.email_next_attempt_at:
            delays.append((pending_email.email_next_attempt_at - now).total_seconds())
            now = pending_email.email_next_attempt_at
    assert delays == [settings.EMAIL_RETRY_BASE_SECONDS, settings.EMAIL_RETRY_BASE_SECONDS * 2]
    assert pending_email.email_status == "gave_up"
    flaky_backend.failures = 1


def test_sent_email_is_not_sent_again(pending_email):
    email_channel.send_due_emails()
    email_channel.send_due_emails()
    assert len(mail.outbox) == 1


def test_after_a_failed_send_the_next_email_gets_a_new_connection(pending_email, flaky_backend, dispatcher):
    Notification.objects.create(recipient=dispatcher, kind="digest", subject="第二封", body="…", email_status="pending")

    assert email_channel.send_due_emails() == (1, 1)
    assert flaky_backend.opened == 2  # one for the batch, one after the failure (it may have broken the first)


def test_email_to_someone_without_an_address_or_account_any_more_is_not_sent(pending_email, dispatcher, supervisor):
    gone = Notification.objects.create(recipient=supervisor, kind="digest", subject="汇总", body="…", email_status="pending")
    User.objects.filter(pk=dispatcher.pk).update(email="")  # removed after the message was written
    User.objects.filter(pk=supervisor.pk).update(email="duban@example.gov.cn", is_active=False)

    assert email_channel.send_due_emails() == (0, 0)

    assert mail.outbox == []
    pending_email.refresh_from_db()
    gone.refresh_from_db()
    assert (pending_email.email_status, pending_email.email_next_attempt_at) == ("no_address", None)
    assert (gone.email_status, gone.email_next_attempt_at) == ("not_sent", None)


def test_retrying_an_email_that_gave_up_gives_it_all_its_tries_again(
    pending_email, admin_user, client, flaky_backend, settings, django_capture_on_commit_callbacks
):
    Notification.objects.filter(pk=pending_email.pk).update(
        email_status="gave_up", email_attempts=settings.EMAIL_MAX_ATTEMPTS, email_next_attempt_at=None
    )
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("admin:tickets_notification_changelist"), {"action": "retry_email_now", "_selected_action": [pending_email.pk]}
        )

    assert response.status_code == 302 and len(callbacks) == 1
    pending_email.refresh_from_db()
    # The server is still down for this try: a failed first attempt of a fresh series, not the last one.
    assert (pending_email.email_status, pending_email.email_attempts) == ("failed", 1)
    assert pending_email.email_next_attempt_at is not None
    assert email_channel.send_due_emails(now=pending_email.email_next_attempt_at) == (1, 0)


# --- one batch, one lease --------------------------------------------------------------------


class SlowBackend(locmem.EmailBackend):
    """Sends like the test backend, after running `during_send` (time passing, other workers)."""

    during_send = None

    def send_messages(self, messages):
        SlowBackend.during_send()
        return super().send_messages(messages)


class UnreachableBackend(locmem.EmailBackend):
    opened = 0

    def open(self):
        UnreachableBackend.opened += 1
        raise ConnectionRefusedError("SMTP server unreachable")

    def send_messages(self, messages):
        self.open()


@pytest.fixture
def three_pending(supervisor):
    User.objects.filter(pk=supervisor.pk).update(email="duban@example.gov.cn")
    for n in range(3):
        Notification.objects.create(recipient=supervisor, kind="digest", subject=f"汇总 {n}", body="…", email_status="pending")
    return list(Notification.objects.filter(recipient=supervisor).order_by("id").values_list("pk", flat=True))


@pytest.fixture
def clock(monkeypatch):
    """The clock batches time their lease by, moved by hand (seconds)."""
    clock = SimpleNamespace(seconds=0.0)
    monkeypatch.setattr(email_channel, "_clock", lambda: clock.seconds)
    return clock


@pytest.fixture
def slow_backend(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.SlowBackend"
    return lambda during_send: monkeypatch.setattr(SlowBackend, "during_send", staticmethod(during_send))


def email_states(ids):
    return list(Notification.objects.filter(pk__in=ids).order_by("id").values_list("email_status", "email_attempts", "email_next_attempt_at"))


def test_a_batch_that_outlives_its_lease_sends_nothing_more_and_leaves_the_rows_to_the_worker_that_took_them(three_pending, clock, slow_backend):
    now = timezone.now()
    later = now + email_channel.CLAIM_LEASE + datetime.timedelta(seconds=1)
    taken = []

    def lease_runs_out():
        # The first send outlasts the lease; meanwhile the every-minute task claims the batch again.
        clock.seconds += email_channel.CLAIM_LEASE.total_seconds()
        taken.extend(email_channel._claim_batch(later, 200)[0])

    slow_backend(lease_runs_out)
    assert email_channel.send_due_emails(now=now) == (0, 0)

    assert len(mail.outbox) == 1  # the one in flight; the others are left to the new claim
    assert sorted(taken) == three_pending
    # Neither "sent" nor anything else was written over the other worker's claim.
    assert email_states(three_pending) == [("pending", 0, later + email_channel.CLAIM_LEASE)] * 3


def test_a_batch_running_short_of_its_lease_puts_the_rest_back_unattempted(three_pending, clock, slow_backend):
    now = timezone.now()
    slow_backend(lambda: setattr(clock, "seconds", clock.seconds + (email_channel.CLAIM_LEASE - email_channel.LEASE_MARGIN).total_seconds()))

    assert email_channel.send_due_emails(now=now) == (1, 0)

    first, *rest = email_states(three_pending)
    assert first[:2] == ("sent", 1)
    assert rest == [("pending", 0, now)] * 2  # due again for the next run, no attempt counted
    assert len(mail.outbox) == 1


def test_an_unreachable_server_costs_one_connection_attempt_per_batch(three_pending, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.UnreachableBackend"
    UnreachableBackend.opened = 0
    now = timezone.now()

    assert email_channel.send_due_emails(now=now, batch_size=2) == (0, 2)

    assert UnreachableBackend.opened == 1
    retry = now + datetime.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS)
    assert email_states(three_pending[:2]) == [("failed", 1, retry)] * 2  # the batch: retried with backoff
    assert email_states(three_pending[2:])[0][:2] == ("pending", 0)  # the run stopped: left for the next one
    assert "SMTP server unreachable" in Notification.objects.get(pk=three_pending[0]).email_error


# --- pages ------------------------------------------------------------------------------------


def test_header_shows_unread_count(department_user, client, assigned_ticket):
    client.force_login(department_user)
    body = client.get(reverse("department_inbox")).content.decode()
    assert '<span class="count">1</span>' in body


def test_notification_list_shows_only_mine(department_user, dispatcher, client, assigned_ticket):
    client.force_login(department_user)
    page = client.get(reverse("notification_list"))
    assert [n.recipient_id for n in page.context["page"].object_list] == [department_user.pk]


def test_opening_a_notification_marks_it_read_and_goes_to_the_ticket(department_user, client, assigned_ticket):
    note = Notification.objects.get(recipient=department_user)
    client.force_login(department_user)
    response = client.post(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == reverse("ticket_detail", args=[assigned_ticket.reference])
    note.refresh_from_db()
    assert note.read_at is not None


def test_cannot_open_someone_elses_notification(department_user, dispatcher, client, assigned_ticket):
    note = Notification.objects.get(recipient=department_user)
    client.force_login(dispatcher)
    assert client.post(reverse("notification_open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(company_user, client, resolved_ticket):
    client.force_login(company_user)
    client.post(reverse("notification_read_all"))
    assert not Notification.objects.filter(recipient=company_user, read_at__isnull=True).exists()


def test_notification_list_queries_do_not_grow(dispatcher, client, submit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(dispatcher)
    submit()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("notification_list"))
        return len(ctx)

    few = count()
    for _ in range(10):
        submit()
    assert count() == few


def test_a_former_liaison_still_linked_to_the_company_is_not_told(company_user, liaison, resolved_ticket):
    """Only users who are liaison officials now count as the company's liaisons."""
    from enterprises.models import User

    User.objects.filter(pk=liaison.pk).update(role=User.Role.DISPATCHER)
    assert liaison.pk not in {u.pk for u in notifications.company_side(resolved_ticket.enterprise_id)}
    assert company_user.pk in {u.pk for u in notifications.company_side(resolved_ticket.enterprise_id)}


def test_mark_all_read_says_how_many_in_the_right_number(company_user, client, assigned_ticket):
    client.force_login(company_user)
    Notification.objects.filter(recipient=company_user).delete()
    Notification.objects.create(recipient=company_user, ticket=assigned_ticket, kind=Notification.Kind.ASSIGNED, subject="x")
    response = client.post(reverse("notification_read_all"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "1 notification marked as read." in response.content.decode()
