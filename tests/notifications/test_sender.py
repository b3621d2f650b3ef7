"""Sending the deliveries that are due (tickets.notifications.sender) over the e-mail channel:
retries with exponential backoff, giving up, addresses gone, one connection per batch, and the
lease a batch holds its rows by."""

import datetime
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from enterprises.models import User
from tests.factories import notification_with_email
from tickets.models import Delivery, Notification
from tickets.notifications import sender
from tickets.notifications.channels import CHANNELS, Channel, EmailChannel

EMAIL = CHANNELS["email"]


@pytest.fixture
def pending_email(dispatcher, ticket):
    """The e-mail delivery of the dispatcher's notification of the new ticket, due now."""
    delivery = Delivery.objects.get(notification__recipient=dispatcher, channel="email")
    Delivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=timezone.now())
    dispatcher.email = "jiaoban@example.gov.cn"
    dispatcher.save()
    return delivery


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
    FlakyBackend.failures = 1
    settings.EMAIL_BACKEND = "tests.notifications.test_sender.FlakyBackend"
    return FlakyBackend


def test_the_email_channel_is_registered_by_its_kind():
    assert isinstance(EMAIL, EmailChannel) and isinstance(EMAIL, Channel)
    assert set(CHANNELS) == set(Delivery.Channel.values)  # every channel a Delivery may name has its implementation


def test_an_email_goes_to_the_recipients_address_with_the_notifications_text(pending_email, dispatcher):
    assert sender.send_due_emails() == (1, 0)

    [message] = mail.outbox
    note = Notification.objects.get(pk=pending_email.notification_id)
    assert (message.to, message.subject, message.body) == (["jiaoban@example.gov.cn"], note.subject, note.body)
    pending_email.refresh_from_db()
    assert (pending_email.status, pending_email.attempts, pending_email.next_attempt_at, pending_email.last_error) == ("sent", 1, None, "")
    assert pending_email.sent_at is not None


def test_failed_email_is_retried_later_and_then_sent(pending_email, flaky_backend, settings):
    now = timezone.now()
    assert sender.send_due_emails(now=now) == (0, 1)
    pending_email.refresh_from_db()
    assert pending_email.status == "failed"
    assert "SMTP server unavailable" in pending_email.last_error
    assert pending_email.next_attempt_at == now + datetime.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS)

    assert sender.send_due_emails(now=now + datetime.timedelta(seconds=1)) == (0, 0)  # not yet due again

    later = now + datetime.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS + 1)
    assert sender.send_due_emails(now=later) == (1, 0)
    pending_email.refresh_from_db()
    assert (pending_email.status, pending_email.attempts, pending_email.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


def test_backoff_doubles_and_finally_gives_up(pending_email, flaky_backend, settings):
    flaky_backend.failures = 99
    settings.EMAIL_MAX_ATTEMPTS = 3
    now = timezone.now()
    delays = []
    for _attempt in range(3):
        sender.send_due_emails(now=now)
        pending_email.refresh_from_db()
        if pending_email.next_attempt_at:
            delays.append((pending_email.next_attempt_at - now).total_seconds())
            now = pending_email.next_attempt_at
    assert delays == [settings.EMAIL_RETRY_BASE_SECONDS, settings.EMAIL_RETRY_BASE_SECONDS * 2]
    assert (pending_email.status, pending_email.attempts) == ("gave_up", 3)
    assert sender.send_due_emails(now=now + datetime.timedelta(days=1)) == (0, 0)  # given up: never polled again


def test_sent_email_is_not_sent_again(pending_email):
    sender.send_due_emails()
    sender.send_due_emails()
    assert len(mail.outbox) == 1


def test_after_a_failed_send_the_next_email_gets_a_new_connection(pending_email, flaky_backend, dispatcher):
    notification_with_email(dispatcher, subject="第二封")

    assert sender.send_due_emails() == (1, 1)
    assert flaky_backend.opened == 2  # one for the batch, one after the failure (it may have broken the first)


def test_email_to_someone_without_an_address_or_account_any_more_is_not_sent(pending_email, dispatcher, supervisor):
    gone = notification_with_email(supervisor)
    User.objects.filter(pk=dispatcher.pk).update(email="")  # removed after the message was written
    User.objects.filter(pk=supervisor.pk).update(email="duban@example.gov.cn", is_active=False)

    assert sender.send_due_emails() == (0, 0)

    assert mail.outbox == []
    pending_email.refresh_from_db()
    gone.refresh_from_db()
    assert (pending_email.status, pending_email.next_attempt_at) == ("no_address", None)
    assert (gone.status, gone.next_attempt_at) == ("not_sent", None)


def test_a_channel_sends_only_its_own_deliveries(pending_email):
    class Other(EmailChannel):
        kind = "sms"

    assert sender.send_due(Other()) == (0, 0)

    pending_email.refresh_from_db()
    assert (pending_email.status, mail.outbox) == ("pending", [])


# --- trying again by hand ----------------------------------------------------------------------


def test_retry_now_gives_a_delivery_that_gave_up_all_its_tries_again(pending_email, settings, django_capture_on_commit_callbacks):
    Delivery.objects.filter(pk=pending_email.pk).update(status="gave_up", attempts=settings.EMAIL_MAX_ATTEMPTS, next_attempt_at=None)
    before = timezone.now()

    with django_capture_on_commit_callbacks() as callbacks:
        assert sender.retry_now(Delivery.objects.all()) == 1

    pending_email.refresh_from_db()
    assert (pending_email.status, pending_email.attempts) == ("failed", 0)
    assert before <= pending_email.next_attempt_at <= timezone.now()
    assert len(callbacks) == 1  # sending queued once, after the commit


def test_retry_now_leaves_sent_and_waiting_deliveries_alone(pending_email, dispatcher, django_capture_on_commit_callbacks):
    sent = notification_with_email(dispatcher, status="sent")
    pending_before = Delivery.objects.filter(pk=pending_email.pk).values_list("status", "attempts", "next_attempt_at").get()

    with django_capture_on_commit_callbacks() as callbacks:
        assert sender.retry_now(Delivery.objects.all()) == 0

    assert Delivery.objects.filter(pk=pending_email.pk).values_list("status", "attempts", "next_attempt_at").get() == pending_before
    assert Delivery.objects.get(pk=sent.pk).status == "sent"
    assert callbacks == []  # nothing to send: nothing queued


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
    """Three e-mail deliveries due now; their ids."""
    User.objects.filter(pk=supervisor.pk).update(email="duban@example.gov.cn")
    return [notification_with_email(supervisor, subject=f"汇总 {n}").pk for n in range(3)]


@pytest.fixture
def clock(monkeypatch):
    """The clock batches time their lease by, moved by hand (seconds)."""
    clock = SimpleNamespace(seconds=0.0)
    monkeypatch.setattr(sender, "_clock", lambda: clock.seconds)
    return clock


@pytest.fixture
def slow_backend(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.notifications.test_sender.SlowBackend"
    return lambda during_send: monkeypatch.setattr(SlowBackend, "during_send", staticmethod(during_send))


def email_states(ids):
    return list(Delivery.objects.filter(pk__in=ids).order_by("id").values_list("status", "attempts", "next_attempt_at"))


def test_a_batch_that_outlives_its_lease_sends_nothing_more_and_leaves_the_rows_to_the_worker_that_took_them(
    three_pending, clock, slow_backend
):
    now = timezone.now()
    later = now + sender.claim_lease() + datetime.timedelta(seconds=1)
    taken = []

    def lease_runs_out():
        # The first send outlasts the lease; meanwhile the every-minute task claims the batch again.
        clock.seconds += sender.claim_lease().total_seconds()
        taken.extend(sender.claim_batch(EMAIL, later, 200)[0])

    slow_backend(lease_runs_out)
    assert sender.send_due_emails(now=now) == (0, 0)

    assert len(mail.outbox) == 1  # the one in flight; the others are left to the new claim
    assert sorted(taken) == three_pending
    # Neither "sent" nor anything else was written over the other worker's claim; the one in
    # flight says it was tried (counted before it was sent).
    lease = later + sender.claim_lease()
    assert email_states(three_pending) == [("pending", 1, lease), ("pending", 0, lease), ("pending", 0, lease)]


def test_a_batch_running_short_of_its_lease_puts_the_rest_back_unattempted(three_pending, clock, slow_backend):
    now = timezone.now()
    slow_backend(lambda: setattr(clock, "seconds", clock.seconds + (sender.claim_lease() - sender.lease_margin()).total_seconds()))

    assert sender.send_due_emails(now=now) == (1, 0)

    first, *rest = email_states(three_pending)
    assert first[:2] == ("sent", 1)
    assert rest == [("pending", 0, now)] * 2  # due again for the next run, no attempt counted
    assert len(mail.outbox) == 1


def test_an_unreachable_server_costs_one_connection_attempt_per_batch(three_pending, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_sender.UnreachableBackend"
    UnreachableBackend.opened = 0
    now = timezone.now()

    assert sender.send_due_emails(now=now, batch_size=2) == (0, 2)

    assert UnreachableBackend.opened == 1
    retry = now + datetime.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS)
    assert email_states(three_pending[:2]) == [("failed", 1, retry)] * 2  # the batch: retried with backoff
    assert email_states(three_pending[2:])[0][:2] == ("pending", 0)  # the run stopped: left for the next one
    assert "SMTP server unreachable" in Delivery.objects.get(pk=three_pending[0]).last_error


def test_a_batch_is_sent_over_one_connection(three_pending, flaky_backend):
    flaky_backend.failures = 0

    assert sender.send_due_emails() == (3, 0)

    assert flaky_backend.opened == 1


def test_the_lease_a_batch_takes_is_the_setting(three_pending, settings):
    settings.DELIVERY_LEASE_SECONDS = 300
    now = timezone.now()

    ids, lease = sender.claim_batch(EMAIL, now, 200)

    assert lease == now + datetime.timedelta(seconds=300)
    assert email_states(ids) == [("pending", 0, lease)] * 3


def test_a_batch_stops_a_fifth_of_its_lease_before_the_end(three_pending, clock, slow_backend, settings):
    settings.DELIVERY_LEASE_SECONDS = 300
    slow_backend(lambda: setattr(clock, "seconds", clock.seconds + 240))

    assert sender.send_due_emails(now=timezone.now()) == (1, 0)
    assert len(mail.outbox) == 1


def test_an_email_sent_by_a_worker_killed_before_recording_it_shows_both_attempts(pending_email):
    class Killed(BaseException):
        """The worker dies between the server's answer and the record."""

    def killed_after_send(*args, **kwargs):
        raise Killed

    now = timezone.now()
    original = sender._owned

    def dies_on_the_record(delivery, lease):
        rows = original(delivery, lease)
        if sender._owned.calls:
            rows.update = killed_after_send
        sender._owned.calls += 1
        return rows

    dies_on_the_record.calls = 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sender, "_owned", dies_on_the_record)
        with pytest.raises(Killed):
            sender.send_due_emails(now=now)
    assert len(mail.outbox) == 1
    assert email_states([pending_email.pk])[0][:2] == ("pending", 1)

    sender.send_due_emails(now=now + sender.claim_lease() + datetime.timedelta(seconds=1))

    assert len(mail.outbox) == 2  # sent twice, and the record says so
    assert email_states([pending_email.pk])[0][:2] == ("sent", 2)


def test_a_lease_too_short_for_the_email_timeout_is_refused_at_start():
    env = {**os.environ, "DELIVERY_LEASE_SECONDS": "60", "EMAIL_TIMEOUT": "20", "DJANGO_SETTINGS_MODULE": "config.settings"}

    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert "DELIVERY_LEASE_SECONDS (60) must be at least ten times EMAIL_TIMEOUT (20)" in result.stderr
