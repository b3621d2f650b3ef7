"""The admin's notification and delivery lists (tickets/admin.py): what they show, that their
queries do not grow with the rows, and trying failed deliveries again."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import User
from tests.factories import UserFactory, notification_with_email
from tests.notifications.test_sender import FlakyBackend
from tickets.models import Delivery
from tickets.notifications import sender


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def gave_up(supervisor, settings):
    """An e-mail that gave up after its last attempt."""
    User.objects.filter(pk=supervisor.pk).update(email="duban@example.gov.cn")
    delivery = notification_with_email(supervisor, status="gave_up")
    Delivery.objects.filter(pk=delivery.pk).update(attempts=settings.EMAIL_MAX_ATTEMPTS, last_error="SMTPServerDisconnected: gone")
    return delivery


@pytest.fixture
def server_down_once(settings):
    FlakyBackend.calls = FlakyBackend.opened = 0
    FlakyBackend.failures = 1
    settings.EMAIL_BACKEND = "tests.notifications.test_sender.FlakyBackend"


def test_retrying_a_notification_whose_email_gave_up_gives_it_all_its_tries_again(
    as_admin, gave_up, server_down_once, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = as_admin.post(
            reverse("admin:tickets_notification_changelist"), {"action": "retry_now", "_selected_action": [gave_up.notification_id]}
        )

    assert response.status_code == 302 and len(callbacks) == 1  # sending queued once, after the commit (and run)
    gave_up.refresh_from_db()
    # The server is still down for this try: a failed first attempt of a fresh series, not the last one.
    assert (gave_up.status, gave_up.attempts) == ("failed", 1)
    assert gave_up.next_attempt_at is not None
    assert sender.send_due_emails(now=gave_up.next_attempt_at) == (1, 0)
    assert [m.to for m in mail.outbox] == [["duban@example.gov.cn"]]


def test_retrying_from_the_delivery_list_works_on_the_rows_chosen(as_admin, gave_up, supervisor, django_capture_on_commit_callbacks):
    other = notification_with_email(supervisor, status="gave_up")

    with django_capture_on_commit_callbacks() as callbacks:
        as_admin.post(reverse("admin:tickets_delivery_changelist"), {"action": "retry_now", "_selected_action": [gave_up.pk]})

    assert Delivery.objects.get(pk=gave_up.pk).status == "failed" and Delivery.objects.get(pk=gave_up.pk).attempts == 0
    assert Delivery.objects.get(pk=other.pk).status == "gave_up"
    assert len(callbacks) == 1


def test_retrying_a_notification_that_was_sent_changes_nothing_and_queues_nothing(as_admin, supervisor, django_capture_on_commit_callbacks):
    sent = notification_with_email(supervisor, status="sent")

    with django_capture_on_commit_callbacks() as callbacks:
        response = as_admin.post(
            reverse("admin:tickets_notification_changelist"),
            {"action": "retry_now", "_selected_action": [sent.notification_id]},
            follow=True,
        )

    assert Delivery.objects.get(pk=sent.pk).status == "sent"
    assert callbacks == []
    assert "已重新排队 0 条发送。" in response.content.decode()


def test_the_notification_list_shows_each_notifications_delivery(as_admin, gave_up, settings):
    body = as_admin.get(reverse("admin:tickets_notification_changelist")).content.decode()

    assert f"邮件: 发送失败，已放弃 ({settings.EMAIL_MAX_ATTEMPTS})" in body


def test_the_delivery_list_filters_by_channel_and_status(as_admin, gave_up, supervisor):
    notification_with_email(supervisor, status="sent")

    page = as_admin.get(reverse("admin:tickets_delivery_changelist"), {"channel__exact": "email", "status__exact": "gave_up"})

    assert [d.pk for d in page.context["cl"].result_list] == [gave_up.pk]


def test_deliveries_cannot_be_changed_in_the_admin(as_admin, gave_up):
    assert as_admin.get(reverse("admin:tickets_delivery_add")).status_code == 403
    page = as_admin.get(reverse("admin:tickets_delivery_change", args=[gave_up.pk]))
    assert page.status_code == 200 and b'name="status"' not in page.content  # shown, not editable


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url_name", ["admin:tickets_notification_changelist", "admin:tickets_delivery_changelist"])
def test_admin_list_queries_do_not_grow(as_admin, url_name):
    def add(n):
        for _ in range(n):
            notification_with_email(UserFactory(role=User.Role.SUPERVISOR), status="failed")

    add(2)
    few = _queries(as_admin, reverse(url_name))
    add(10)
    assert _queries(as_admin, reverse(url_name)) == few


# --- deadline profiles (DESIGN.md §8) ---------------------------------------------------------


def _profile_form(category, **days):
    fields = {"response_days": 1, "contact_days": 1, "co_feedback_days": 3, "resolution_days": 7, "complex_resolution_days": 22}
    fields.update(days)
    return {"name": "13710", "category": category.pk, "priority": "urgent", **fields}


def test_the_admin_saves_a_deadline_profile(as_admin, category):
    from tickets.models import DeadlineProfile

    response = as_admin.post(reverse("admin:tickets_deadlineprofile_add"), _profile_form(category))

    assert response.status_code == 302
    assert category.deadlines("urgent").co_feedback_days == 3 and DeadlineProfile.objects.filter(priority="urgent").count() == 1


def test_the_admin_refuses_a_profile_whose_co_feedback_time_is_longer_than_its_resolution_time(as_admin, category):
    from tickets.models import DeadlineProfile

    response = as_admin.post(reverse("admin:tickets_deadlineprofile_add"), _profile_form(category, co_feedback_days=9, resolution_days=7))

    assert response.status_code == 200
    assert "Co-handlers must give their feedback before" in response.content.decode() or "协办反馈时限不能长于" in response.content.decode()
    assert not DeadlineProfile.objects.filter(priority="urgent").exists()


def test_the_category_list_shows_each_categorys_deadlines_in_a_bounded_number_of_queries(as_admin, category):
    from tests.factories import CategoryFactory

    as_admin.get(reverse("admin:tickets_category_changelist"))
    with CaptureQueriesContext(connection) as few:
        as_admin.get(reverse("admin:tickets_category_changelist"))
    for n in range(5):
        CategoryFactory(profile=n % 2 == 0)
    with CaptureQueriesContext(connection) as many:
        response = as_admin.get(reverse("admin:tickets_category_changelist"))

    assert response.status_code == 200
    assert len(many) == len(few)  # the city's default is read once for the page, whatever the categories


@pytest.mark.parametrize("model", ["returnrequest", "verificationcall"])
def test_return_requests_and_verification_calls_are_listed_read_only_in_the_admin(as_admin, model):
    assert as_admin.get(reverse(f"admin:tickets_{model}_changelist")).status_code == 200
    assert as_admin.get(reverse(f"admin:tickets_{model}_add")).status_code == 403


def test_the_admin_is_headed_by_the_products_name_not_djangos(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/").content.decode()
    assert "企业诉求闭环办理系统" in page and "Django" not in page.split("<body")[1].split("</header>")[0]
    assert "<title>系统管理 | 企业诉求闭环办理系统</title>" in page
