"""The header's unread badge, kept in the cache between counts (settings.UNREAD_BADGE_SECONDS) and
forgotten when the person's notifications change (issue 18)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import User
from tickets.models import Notification
from tickets.selectors.notifications import unread_badge

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _badge_cached(settings):
    settings.UNREAD_BADGE_SECONDS = 60


def _notification_counts(ctx):
    return [q for q in ctx.captured_queries if 'FROM "tickets_notification"' in q["sql"] and "COUNT(" in q["sql"]]


def test_the_second_page_reads_the_badge_without_counting(client, dispatcher, submit):
    submit()  # dispatch is told of the new ticket
    client.force_login(dispatcher)
    client.get(reverse("ticket_list"))
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(reverse("ticket_list")).content.decode()
    assert _notification_counts(ctx) == []
    assert '<span class="count">1</span>' in body


def test_a_new_notification_shows_on_the_next_page(dispatcher, submit):
    submit()
    assert unread_badge(dispatcher) == "1"
    submit()
    assert unread_badge(dispatcher) == "2"


def test_reading_all_clears_the_badge_at_once(client, dispatcher, submit):
    submit()
    client.force_login(dispatcher)
    assert unread_badge(dispatcher) == "1"
    client.post(reverse("notification_read_all"))
    assert unread_badge(dispatcher) == ""


def test_opening_a_notification_counts_the_badge_afresh(client, dispatcher, submit):
    submit()
    submit()
    client.force_login(dispatcher)
    assert unread_badge(dispatcher) == "2"
    note = Notification.objects.filter(recipient=dispatcher).first()
    client.post(reverse("notification_open", args=[note.pk]))
    assert unread_badge(dispatcher) == "1"


def test_a_person_whose_role_changed_is_counted_afresh(dispatcher, submit):
    submit()
    assert unread_badge(dispatcher) == "1"
    User.objects.filter(pk=dispatcher.pk).update(is_active=False)
    dispatcher.refresh_from_db()
    assert unread_badge(dispatcher) == ""


def test_with_no_cache_time_every_page_counts(settings, client, dispatcher, submit):
    settings.UNREAD_BADGE_SECONDS = 0
    submit()
    client.force_login(dispatcher)
    client.get(reverse("ticket_list"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("ticket_list"))
    assert len(_notification_counts(ctx)) == 1
