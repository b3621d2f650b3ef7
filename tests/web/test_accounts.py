"""A person's own password (issue 15, item 5): every user changes it; a forgotten one is reset by
e-mail with Django's own views — and bad input changes nothing."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from enterprises.models import User
from tests.conftest import ROLE_FIXTURES

NEW = "Xin-mima-2026!"


def reset_link(message):
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_every_role_changes_its_own_password(request, client, role):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    user.set_password("Old-pass-2026")
    user.save()
    client.force_login(user)

    response = client.post(reverse("password_change"), {"old_password": "Old-pass-2026", "new_password1": NEW, "new_password2": NEW})

    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_a_wrong_old_password_is_refused_in_chinese_and_changes_nothing(client, company_user):
    company_user.set_password("Old-pass-2026")
    company_user.save()
    client.force_login(company_user)

    response = client.post(reverse("password_change"), {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW})

    assert response.status_code == 200 and "旧密码不正确" in response.content.decode()
    company_user.refresh_from_db()
    assert company_user.check_password("Old-pass-2026")


def test_a_weak_new_password_is_refused(client, company_user):
    company_user.set_password("Old-pass-2026")
    company_user.save()
    client.force_login(company_user)

    response = client.post(reverse("password_change"), {"old_password": "Old-pass-2026", "new_password1": "123", "new_password2": "123"})

    assert response.status_code == 200 and "密码" in response.content.decode()
    company_user.refresh_from_db()
    assert company_user.check_password("Old-pass-2026")


def test_the_password_page_needs_a_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_header_and_the_login_page_lead_to_the_password_pages(client, company_user):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()
    client.force_login(company_user)
    assert reverse("password_change") in client.get(reverse("home"), follow=True).content.decode()


def test_a_forgotten_password_is_reset_through_the_link_in_the_email(client, company_user):
    User.objects.filter(pk=company_user.pk).update(email="wang@fenghuang.example.com")

    response = client.post(reverse("password_reset"), {"email": "wang@fenghuang.example.com"})

    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["wang@fenghuang.example.com"] and "重设" in message.subject
    page = client.get(reset_link(message), follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    done = client.post(page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    company_user.refresh_from_db()
    assert company_user.check_password(NEW)


def test_a_reset_link_works_once(client, company_user):
    User.objects.filter(pk=company_user.pk).update(email="wang@fenghuang.example.com")
    client.post(reverse("password_reset"), {"email": "wang@fenghuang.example.com"})
    link = reset_link(mail.outbox[0])
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})

    again = client.get(link, follow=True)

    assert "重设密码失败" in again.content.decode() or "无效" in again.content.decode()


def test_an_unknown_address_gets_the_same_page_and_no_email(client, company_user):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_an_inactive_account_gets_no_reset_email(client, company_user):
    User.objects.filter(pk=company_user.pk).update(email="wang@fenghuang.example.com", is_active=False)

    client.post(reverse("password_reset"), {"email": "wang@fenghuang.example.com"})

    assert mail.outbox == []


def test_a_mail_server_that_fails_is_logged_not_an_error_page(client, company_user, settings, caplog):
    settings.EMAIL_BACKEND = "tests.web.test_accounts.BrokenBackend"
    User.objects.filter(pk=company_user.pk).update(email="wang@fenghuang.example.com")

    response = client.post(reverse("password_reset"), {"email": "wang@fenghuang.example.com"})

    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert "Failed to send password reset email" in caplog.text


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the SMTP server refused the connection")
