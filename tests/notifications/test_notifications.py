"""Notifications: who is told about each action, and the in-app list (the one rule of who sees
what applies to it). Sending is tests/notifications/test_sender.py."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import User
from tests.factories import notification_with_email, returned_to_dispatch
from tickets import services
from tickets.models import Delivery, Notification
from tickets.notifications import recipients_for


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
        by=dispatcher,
        enterprise=submit().enterprise,
        category=submit().category,
        title="热线来电",
        description="企业来电反映",
        priority="normal",
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
    other = services.ticket_submit(
        by=ticket.submitted_by, enterprise=ticket.enterprise, category=ticket.category, title="再提交", description="x", priority="normal"
    )
    assert Delivery.objects.get(notification__recipient=dispatcher, notification__ticket=other).status == "no_address"


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


def test_notification_list_queries_do_not_grow_under_the_visibility_rule(liaison, client, submit):
    client.force_login(liaison)

    def add(n):
        for _ in range(n):
            notification_with_email(liaison, status="failed", ticket=submit(), kind=Notification.Kind.RESOLVED)
        notification_with_email(liaison, status="gave_up")  # about no ticket

    def count():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("notification_list"))
        assert "邮件发送失败，将自动重试" in page.content.decode() and "邮件无法发送" in page.content.decode()
        return len(ctx)

    add(1)
    few = count()
    add(10)
    assert count() == few


def test_the_list_says_which_deliveries_failed(dispatcher, client, db):
    failed = notification_with_email(dispatcher, status="failed", subject="发送失败的通知")
    Delivery.objects.filter(pk=failed.pk).update(last_error="SMTPServerDisconnected: Connection unexpectedly closed")
    client.force_login(dispatcher)

    body = client.get(reverse("notification_list")).content.decode()

    assert 'title="SMTPServerDisconnected: Connection unexpectedly closed">邮件发送失败，将自动重试</span>' in body


# --- a ticket the person may no longer see ---------------------------------------------------


@pytest.fixture
def former_liaison(liaison, enterprise, resolved_ticket):
    """The liaison was told the ticket is resolved, then taken off the company; they also have a
    case-history message about no ticket."""
    assert Notification.objects.filter(recipient=liaison, ticket=resolved_ticket).exists()
    Notification.objects.create(recipient=liaison, kind=Notification.Kind.CASE_HISTORY, subject="企业月度档案")
    enterprise.liaisons.remove(liaison)
    return liaison


def test_a_liaison_taken_off_the_company_no_longer_sees_its_tickets_notifications(former_liaison, client):
    client.force_login(former_liaison)

    page = client.get(reverse("notification_list"))

    assert [n.subject for n in page.context["page"].object_list] == ["企业月度档案"]


def test_the_unread_count_leaves_out_the_notifications_the_list_leaves_out(former_liaison, client):
    client.force_login(former_liaison)

    body = client.get(reverse("notification_list")).content.decode()

    assert '<span class="count">1</span>' in body


def test_opening_a_notification_about_a_ticket_no_longer_visible_is_404_and_changes_nothing(former_liaison, client, resolved_ticket):
    note = Notification.objects.get(recipient=former_liaison, ticket=resolved_ticket)
    client.force_login(former_liaison)

    response = client.post(reverse("notification_open", args=[note.pk]))

    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read_counts_only_the_listed_notifications(former_liaison, client):
    client.force_login(former_liaison)

    response = client.post(reverse("notification_read_all"), follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert "1 notification marked as read." in response.content.decode()


def test_department_staff_see_the_notifications_of_a_ticket_their_department_returned(department_user, dispatcher, client, assigned_ticket):
    """Held before is still theirs to see (DESIGN.md §6), and so are its notifications."""
    returned_to_dispatch(ticket=assigned_ticket, by=department_user, reason="不属于本部门职责")
    client.force_login(department_user)

    page = client.get(reverse("notification_list"))

    # Assigned, then the ruling on its return request (DESIGN.md §9).
    assert [n.ticket_id for n in page.context["page"].object_list] == [assigned_ticket.pk, assigned_ticket.pk]


def test_a_former_liaison_still_linked_to_the_company_is_not_told(company_user, liaison, resolved_ticket):
    """Only users who are liaison officials now count as the company's liaisons."""
    User.objects.filter(pk=liaison.pk).update(role=User.Role.DISPATCHER)
    assert [u.pk for u in recipients_for(Notification.Kind.RESOLVED, resolved_ticket)] == [company_user.pk]


def test_mark_all_read_says_how_many_in_the_right_number(company_user, client, assigned_ticket):
    client.force_login(company_user)
    Notification.objects.filter(recipient=company_user).delete()
    Notification.objects.create(recipient=company_user, ticket=assigned_ticket, kind=Notification.Kind.ASSIGNED, subject="x")
    response = client.post(reverse("notification_read_all"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "1 notification marked as read." in response.content.decode()


def test_the_list_can_be_filtered_by_kind(department_user, client, in_progress_ticket, supervisor):
    services.ticket_raise_supervision(ticket=in_progress_ticket, by=supervisor, level="yellow", notice="请加快办理")
    client.force_login(department_user)
    assert Notification.objects.filter(recipient=department_user).exclude(kind="supervised").exists()
    supervised = client.get(reverse("notification_list"), {"kind": "supervised"})
    subjects = [n.subject for n in supervised.context["page"].object_list]
    assert subjects and all(n.kind == "supervised" for n in supervised.context["page"].object_list)
    assert 'option value="supervised" selected' in supervised.content.decode()
    assert len(client.get(reverse("notification_list")).context["page"].object_list) > len(subjects)


def test_the_kind_filter_offers_the_kinds_the_person_is_told_about(department_user, client):
    client.force_login(department_user)
    page = client.get(reverse("notification_list")).content.decode()
    assert 'option value="assigned"' in page and 'option value="submitted"' not in page


def test_an_unknown_kind_is_said_and_ignored(department_user, client, assigned_ticket):
    client.force_login(department_user)
    response = client.get(reverse("notification_list"), {"kind": "nonsense"})
    assert response.status_code == 200 and "没有这种类型的通知，已显示全部类型。" in response.content.decode()
    assert len(response.context["page"].object_list) == Notification.objects.filter(recipient=department_user).count()


def _copies_of_the_first(user, n):
    note = Notification.objects.get(recipient=user)
    copies = [Notification(recipient=user, ticket=note.ticket, kind=note.kind, subject=note.subject, body=note.body) for _ in range(n)]
    Notification.objects.bulk_create(copies)


def test_header_shows_99_plus_past_ninety_nine_unread(department_user, client, assigned_ticket):
    _copies_of_the_first(department_user, 99)
    client.force_login(department_user)

    body = client.get(reverse("department_inbox")).content.decode()

    assert '<span class="count">99+</span>' in body


def test_header_shows_the_exact_count_up_to_ninety_nine(department_user, client, assigned_ticket):
    _copies_of_the_first(department_user, 98)
    client.force_login(department_user)

    body = client.get(reverse("department_inbox")).content.decode()

    assert '<span class="count">99</span>' in body
