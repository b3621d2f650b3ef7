"""The notification list shows a message's text without the raw links its e-mail carries, and
links each one to what it is about ("查看诉求"); the e-mail keeps its link (issue 18 item 4)."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import notification_with_email
from tickets.models import Notification
from tickets.notifications import email_body, in_app_text

pytestmark = pytest.mark.django_db

FOOTER = "本消息由企业诉求闭环办理系统自动发送。"


def listed(client, user):
    client.force_login(user)
    return client.get(reverse("notification_list")).content.decode()


def test_the_stored_message_keeps_the_link_its_email_needs(department_user, assigned_ticket):
    note = Notification.objects.get(recipient=department_user)
    assert settings.SITE_URL + reverse("ticket_detail", args=[assigned_ticket.reference]) in note.body


def test_the_list_shows_the_text_without_the_link(client, department_user, assigned_ticket):
    page = listed(client, department_user)
    assert "签收" in page
    assert settings.SITE_URL not in page


def test_the_list_shows_the_text_without_the_footer(client, department_user, assigned_ticket):
    assert Notification.objects.get(recipient=department_user).body.endswith(FOOTER)
    assert FOOTER not in listed(client, department_user)


def test_a_notification_about_a_ticket_has_a_button_that_opens_the_ticket(client, department_user, assigned_ticket):
    note = Notification.objects.get(recipient=department_user)
    page = listed(client, department_user)
    assert f'id="open-{note.pk}"' in page
    assert f'form="open-{note.pk}" class="btn note-open">查看诉求</button>' in page


def test_a_notification_about_no_ticket_opens_what_it_is_about(client, department_user):
    delivery = notification_with_email(department_user, body=email_body("今日无超期诉求。", settings.SITE_URL + "/inbox/"), url="/inbox/")
    page = listed(client, department_user)
    assert f'form="open-{delivery.notification_id}" class="btn note-open">查看</button>' in page
    assert "今日无超期诉求。" in page and settings.SITE_URL not in page


def test_a_notification_that_leads_nowhere_has_no_button(client, department_user):
    notification_with_email(department_user, body="系统维护通知")
    assert "note-open" not in listed(client, department_user)


# --- the text itself ----------------------------------------------------------------------------


def test_the_link_line_and_footer_are_left_out():
    body = email_body("您部门有新的诉求。", "查看诉求：" + settings.SITE_URL + "/tickets/QY-2026-000001/")
    assert in_app_text(body) == "您部门有新的诉求。"


def test_a_link_inside_the_sentence_is_left_out_and_the_sentence_kept():
    body = email_body("您申请的企业档案已生成，可以下载：" + settings.SITE_URL + "/exports/7/")
    assert in_app_text(body) == "您申请的企业档案已生成，可以下载"


def test_a_link_someone_wrote_to_another_site_stays():
    body = email_body("督办意见：请参照 https://www.gov.cn/zhengce/ 执行", settings.SITE_URL + "/tickets/QY-2026-000001/")
    assert in_app_text(body) == "督办意见：请参照 https://www.gov.cn/zhengce/ 执行"


def test_a_message_of_several_paragraphs_keeps_them_all():
    body = email_body("超期：\n  QY-1  2026-10-01\n\n即将到期：\n  QY-2  2026-10-09", "您的待办：" + settings.SITE_URL + "/inbox/")
    assert in_app_text(body) == "超期：\n  QY-1  2026-10-01\n\n即将到期：\n  QY-2  2026-10-09"


def test_a_link_to_the_messages_own_page_under_an_earlier_address_is_left_out():
    body = email_body("您部门有新的诉求。", "查看诉求：http://old-host.example:8000/tickets/QY-2026-000001/")
    assert in_app_text(body, "/tickets/QY-2026-000001/") == "您部门有新的诉求。"


def test_a_link_elsewhere_under_another_address_stays():
    body = email_body("请参照 http://old-host.example:8000/policy/ 执行")
    assert in_app_text(body, "/tickets/QY-2026-000001/") == "请参照 http://old-host.example:8000/policy/ 执行"
