"""The login lockout (issue 15, item 1): per address read behind the trusted proxies, per account
from any addresses with a higher limit; the pages say for how long."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from config.client_address import axes_client_ip_settings
from tests.conftest import PASSWORD

WRONG = "wrong-password"


def login(client, username, password, **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def behind_proxies(settings, count):
    for name, value in axes_client_ip_settings(count).items():
        setattr(settings, name, value)


def test_behind_a_proxy_failures_from_one_address_do_not_lock_the_same_user_at_another(client, dispatcher, settings):
    behind_proxies(settings, 1)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "dispatcher", WRONG, HTTP_X_FORWARDED_FOR="10.20.0.7")

    assert login(client, "dispatcher", PASSWORD, HTTP_X_FORWARDED_FOR="10.20.0.8").status_code == 302


def test_behind_a_proxy_the_address_that_failed_is_locked(client, dispatcher, settings):
    behind_proxies(settings, 1)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "dispatcher", WRONG, HTTP_X_FORWARDED_FOR="10.20.0.7")

    assert login(client, "dispatcher", PASSWORD, HTTP_X_FORWARDED_FOR="10.20.0.7").status_code == 429


def test_without_a_proxy_a_forged_forwarded_for_is_ignored(client, dispatcher, settings):
    behind_proxies(settings, 0)
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "dispatcher", WRONG, HTTP_X_FORWARDED_FOR=f"10.99.0.{n}")

    assert login(client, "dispatcher", PASSWORD, HTTP_X_FORWARDED_FOR="10.99.0.200").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_proxy_an_address_a_client_adds_to_the_header_is_not_believed(client, dispatcher, settings):
    behind_proxies(settings, 1)
    # The proxy appended the real address to what the client sent: not one address, not the proxy's header.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "dispatcher", WRONG, HTTP_X_FORWARDED_FOR="10.20.0.8, 10.20.0.7")

    assert login(client, "dispatcher", PASSWORD, HTTP_X_FORWARDED_FOR="10.20.0.8").status_code == 302


def test_two_proxies_read_the_address_the_outer_one_saw(client, dispatcher, settings):
    behind_proxies(settings, 2)
    login(client, "dispatcher", WRONG, HTTP_X_FORWARDED_FOR="10.20.0.7, 10.0.0.2")

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.20.0.7"]


def test_a_negative_proxy_count_is_refused():
    with pytest.raises(ValueError):
        axes_client_ip_settings(-1)


def test_failures_from_many_addresses_lock_the_account(client, dispatcher, settings):
    behind_proxies(settings, 1)
    for n in range(settings.ACCOUNT_FAILURE_LIMIT):
        login(client, "dispatcher", WRONG, HTTP_X_FORWARDED_FOR=f"10.30.0.{n}")

    assert login(client, "dispatcher", PASSWORD, HTTP_X_FORWARDED_FOR="10.40.0.1").status_code == 429


def test_failures_from_many_addresses_under_the_account_limit_do_not_lock_it(client, dispatcher, settings):
    behind_proxies(settings, 1)
    for n in range(settings.ACCOUNT_FAILURE_LIMIT - 1):
        login(client, "dispatcher", WRONG, HTTP_X_FORWARDED_FOR=f"10.30.0.{n}")

    assert login(client, "dispatcher", PASSWORD, HTTP_X_FORWARDED_FOR="10.40.0.1").status_code == 302


def test_the_lockout_page_says_for_how_long(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, "dispatcher", WRONG)

    assert response.status_code == 429
    assert "30 分钟后解除锁定" in response.content.decode()


def test_the_lockout_page_counts_down_and_a_try_while_locked_does_not_extend_it(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "dispatcher", WRONG)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=10))

    response = login(client, "dispatcher", PASSWORD)

    assert response.status_code == 429 and "20 分钟后解除锁定" in response.content.decode()
    again = login(client, "dispatcher", WRONG)
    assert again.status_code == 429 and "20 分钟后解除锁定" in again.content.decode()


def test_the_lockout_page_is_in_english_too(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "dispatcher", "password": WRONG}, HTTP_ACCEPT_LANGUAGE="en")

    assert "The lock lifts in 30 minutes." in response.content.decode()


def test_the_login_form_warns_before_the_last_try(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "dispatcher", WRONG)

    assert response.status_code == 200
    assert "再输错 1 次将锁定此账号 30 分钟" in response.content.decode()


def test_the_login_form_does_not_warn_earlier(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        response = login(client, "dispatcher", WRONG)

    assert "再输错 1 次" not in response.content.decode()


def test_the_login_form_warns_before_the_account_limit_too(client, dispatcher, settings):
    behind_proxies(settings, 1)
    for n in range(settings.ACCOUNT_FAILURE_LIMIT - 1):
        response = login(client, "dispatcher", WRONG, HTTP_X_FORWARDED_FOR=f"10.30.0.{n}")

    assert "再输错 1 次将锁定此账号 30 分钟" in response.content.decode()


def test_a_successful_login_resets_the_count(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "dispatcher", WRONG)
    assert login(client, "dispatcher", PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "dispatcher", WRONG)
    assert login(client, "dispatcher", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_account_count_from_other_addresses(client, dispatcher, settings):
    behind_proxies(settings, 1)
    for n in range(settings.ACCOUNT_FAILURE_LIMIT - 1):
        login(client, "dispatcher", WRONG, HTTP_X_FORWARDED_FOR=f"10.30.0.{n}")
    assert login(client, "dispatcher", PASSWORD, HTTP_X_FORWARDED_FOR="10.40.0.1").status_code == 302

    assert not AccessAttempt.objects.filter(username="dispatcher").exists()
