"""Creating notifications (tickets.notifications.outbox): each with one Delivery per channel,
written in the action's transaction, in bulk for the sweep."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import User
from tests.factories import UserFactory
from tickets import notifications
from tickets.models import Delivery, Notification
from tickets.notifications import channels


def deliveries_of(user):
    return list(
        Delivery.objects.filter(notification__recipient=user).values_list("channel", "status", "attempts", "next_attempt_at", "created_at")
    )


def test_a_notification_gets_one_delivery_per_channel_due_when_it_was_written(dispatcher, submit, settings):
    User.objects.filter(pk=dispatcher.pk).update(email="jiaoban@example.gov.cn")
    ticket = submit()

    note = Notification.objects.get(recipient=dispatcher, ticket=ticket)
    assert deliveries_of(dispatcher) == [
        (channel, "pending", 0, note.created_at, note.created_at) for channel in [c.kind for c in channels.active()]
    ]


def test_a_recipient_without_an_address_gets_a_delivery_that_waits_for_nothing(dispatcher, submit):
    User.objects.filter(pk=dispatcher.pk).update(email="")
    submit()

    [(channel, status, attempts, next_attempt_at, _created)] = deliveries_of(dispatcher)
    assert (channel, status, attempts, next_attempt_at) == ("email", "no_address", 0, None)


def test_notifications_written_while_suppressed_are_not_sent(dispatcher, submit, django_capture_on_commit_callbacks):
    User.objects.filter(pk=dispatcher.pk).update(email="jiaoban@example.gov.cn")

    with django_capture_on_commit_callbacks() as callbacks, notifications.emails_suppressed():
        submit()

    [(channel, status, _attempts, next_attempt_at, _created)] = deliveries_of(dispatcher)
    assert (channel, status, next_attempt_at) == ("email", "not_sent", None)
    assert callbacks == []  # nothing waits: nothing queued


@pytest.fixture
def crowd(db):
    """150 people, every third without an e-mail address."""
    return [UserFactory(role=User.Role.SUPERVISOR, email="" if n % 3 == 0 else f"s{n}@example.gov.cn") for n in range(150)]


def _rows(crowd, now):
    return [notifications.message_row(user, Notification.Kind.DIGEST, f"汇总 {user.pk}", "…", "", now) for user in crowd]


def test_rows_saved_in_bulk_each_get_their_delivery(crowd):
    now = timezone.now()

    assert notifications.save_and_queue(_rows(crowd, now), queue=False) == 150

    # Each delivery read through its notification: the right one, once.
    got = sorted(Delivery.objects.values_list("notification__subject", "notification__recipient_id", "status", "created_at"))
    assert got == sorted((f"汇总 {u.pk}", u.pk, "pending" if u.email else "no_address", now) for u in crowd)


@pytest.mark.postgres
def test_on_postgresql_any_number_of_rows_takes_one_query_and_two_copies(crowd):
    with CaptureQueriesContext(connection) as queries:
        notifications.save_and_queue(_rows(crowd * 20, timezone.now()), queue=False)  # 3000 rows

    assert len(queries) == 1  # drawing the ids; COPY is not a query the capture sees
    assert Notification.objects.count() == Delivery.objects.count() == 3000


@pytest.mark.postgres
def test_on_postgresql_notifications_written_afterwards_one_by_one_take_fresh_ids(crowd):
    notifications.save_and_queue(_rows(crowd, timezone.now()), queue=False)
    highest = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()

    later = Notification.objects.create(recipient=crowd[0], kind=Notification.Kind.DIGEST, subject="之后", body="…")

    assert later.pk > highest


def test_rows_written_with_a_runs_deliveries_dict_equal_those_written_without(db):
    with_address, without = UserFactory(email="a@example.gov.cn"), UserFactory(email="")
    now = timezone.now()
    kept = {}
    alone = notifications.rows_for("due_soon", [with_address, without], ticket_id=None, reference="QY-1", subject="s", body="b", now=now)
    shared = notifications.rows_for(
        "due_soon", [with_address, without], ticket_id=None, reference="QY-1", subject="s", body="b", now=now, deliveries=kept
    )

    assert shared == alone
    assert kept == {(with_address.pk, "due_soon"): (("email", "pending"),), (without.pk, "due_soon"): (("email", "no_address"),)}


@pytest.mark.parametrize("reference", ["QY-2026-000123", "JC20261202-0001", "带 空格?#"])
def test_a_messages_ticket_path_is_the_one_reverse_gives(reference):
    from django.urls import reverse

    from tickets.notifications.texts import _ticket_path

    assert _ticket_path(reference) == reverse("ticket_detail", args=[reference])
