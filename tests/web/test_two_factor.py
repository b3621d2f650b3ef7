"""The second factor for staff (issue 15, item 13): with REQUIRE_2FA_FOR_STAFF every role but
company passes a code from an authenticator app after the password, enrolling with a QR code at
the first login and getting recovery codes; anyone with an app is asked whatever the setting; an
administrator resets a person's app. (enterprises/two_factor.py, tickets/web/two_factor.py)"""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from enterprises import two_factor
from tests.conftest import PASSWORD, ROLE_FIXTURES
from tests.factories import api_key, app_code, authenticator_app
from tickets import rules

STAFF_ROLES = sorted(role for role in ROLE_FIXTURES if "company" not in role)


@pytest.fixture
def required(settings):
    settings.REQUIRE_2FA_FOR_STAFF = True


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password is accepted"
    return response


def path_of(response):
    return urlsplit(response["Location"]).path


def unthrottled(device):
    """As if the last wrong code was tried long ago (django-otp waits 1, 2, 4… s after each)."""
    type(device).objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1))


# ----- who must ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_the_rule_every_role_but_company_with_the_setting(request, required, role):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    assert rules.must_verify(user) is (not user.is_company)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_the_rule_without_the_setting_only_those_with_an_app(request, role):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    assert not rules.must_verify(user)
    authenticator_app(user)
    assert rules.must_verify(user)


def test_an_app_not_confirmed_yet_is_not_a_second_factor(dispatcher):
    authenticator_app(dispatcher, confirmed=False)
    assert not rules.must_verify(dispatcher)


def test_django_otps_throttling_is_on_for_both_kinds_of_code(settings):
    assert settings.OTP_TOTP_THROTTLE_FACTOR >= 1 and settings.OTP_STATIC_THROTTLE_FACTOR >= 1


@pytest.mark.parametrize(
    ("env", "required"),
    [
        ({"DJANGO_DEBUG": "false"}, "True"),  # production
        ({"DJANGO_DEMO": "true"}, "False"),  # scripts/run
        ({}, "False"),  # development
        ({"DJANGO_DEBUG": "false", "REQUIRE_2FA_FOR_STAFF": "false"}, "False"),
        ({"DJANGO_DEMO": "true", "REQUIRE_2FA_FOR_STAFF": "true"}, "True"),
    ],
)
def test_the_setting_is_on_in_production_and_off_in_the_demo_and_development(env, required):
    import os
    import secrets
    import subprocess
    import sys
    from pathlib import Path

    base = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DJANGO_DEMO", "DJANGO_ENV", "REQUIRE_2FA_FOR_STAFF")}
    base.update(SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="qiye.example.gov.cn", DJANGO_SETTINGS_MODULE="config.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", "from config import settings; print(settings.REQUIRE_2FA_FOR_STAFF)"],
        cwd=Path(__file__).resolve().parents[2],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == required, result.stderr


# ----- enrolment --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_are_sent_to_set_up_and_cannot_open_any_page_before(request, client, required, role, ticket):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    landing = client.get(sign_in(client, user)["Location"])
    assert landing.status_code == 302 and path_of(landing) == reverse("two_factor_setup")
    for url in (reverse("home"), reverse("ticket_list"), reverse("ticket_detail", args=[ticket.reference]), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302 and path_of(response) == reverse("two_factor_setup"), url
        assert parse_qs(urlsplit(response["Location"]).query)["next"] == [url]


def test_the_admin_is_behind_the_second_factor_too(client, required, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    sign_in(client, admin_user)
    response = client.get("/admin/")
    assert response.status_code == 302 and path_of(response) == reverse("two_factor_setup")


def test_the_setup_page_shows_a_qr_code_and_the_secret(client, required, dispatcher):
    sign_in(client, dispatcher)
    page = client.get(reverse("two_factor_setup"))
    body = page.content.decode()
    device = TOTPDevice.objects.get(user=dispatcher)
    assert page.status_code == 200 and not device.confirmed
    assert "<svg" in body and two_factor.secret(device) in body
    assert page["Cache-Control"] == "no-store"
    assert "扫描" in body and "确认" in body
    # the menus wait for the second factor
    assert reverse("ticket_list") not in body
    # opened again, the same secret: an app scanned a minute ago still works
    client.get(reverse("two_factor_setup"))
    assert list(TOTPDevice.objects.filter(user=dispatcher)) == [device]


def test_the_qr_code_holds_the_apps_otpauth_address(dispatcher):
    device = two_factor.pending_app(user=dispatcher)
    url = device.config_url
    assert url.startswith("otpauth://totp/") and "dispatcher" in url
    secret = two_factor.secret(device).replace(" ", "")
    assert f"secret={secret}" in url


def test_enrolment_with_a_right_code_turns_it_on_and_shows_ten_recovery_codes_once(client, required, dispatcher):
    sign_in(client, dispatcher)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=dispatcher)

    response = client.post(reverse("two_factor_setup") + "?next=/tickets/", {"code": app_code(device), "next": "/tickets/"})

    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = list(StaticToken.objects.filter(device__user=dispatcher).values_list("token", flat=True))
    assert len(codes) == 10
    body = response.content.decode()
    assert all(code in body for code in codes)
    assert "恢复码" in body and response["Cache-Control"] == "no-store"
    # this session passed: the pages open
    assert client.get(reverse("ticket_list")).status_code == 200
    # the set-up page now sends to the person's own page
    assert path_of(client.get(reverse("two_factor_setup"))) == reverse("password_change")


def test_a_wrong_code_at_enrolment_is_refused_in_chinese_and_changes_nothing(client, required, dispatcher):
    sign_in(client, dispatcher)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=dispatcher)
    wrong = f"{(int(app_code(device)) + 500000) % 1000000:06d}"

    response = client.post(reverse("two_factor_setup"), {"code": wrong})

    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=dispatcher).exists()
    assert path_of(client.get(reverse("home"))) == reverse("two_factor_setup")


def test_the_messages_in_english(client, required, dispatcher):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    sign_in(client, dispatcher)
    body = client.post(reverse("two_factor_setup"), {"code": "000000"}).content.decode()
    assert "Set up the second factor" in body and "That code is not right" in body


# ----- signing in with it -----------------------------------------------------------------------


@pytest.fixture
def enrolled(dispatcher):
    return authenticator_app(dispatcher, recovery_codes=["abcd2345", "efgh6789"])


def test_a_person_with_an_app_is_asked_for_its_code_and_comes_back_to_the_page_they_wanted(client, required, dispatcher, enrolled):
    sign_in(client, dispatcher)
    asked = client.get(reverse("ticket_list"))
    assert asked.status_code == 302 and path_of(asked) == reverse("two_factor")
    page = client.get(asked["Location"])
    assert page.status_code == 200 and "身份验证器" in page.content.decode()

    response = client.post(asked["Location"], {"code": app_code(enrolled), "next": reverse("ticket_list")})

    assert response.status_code == 302 and response["Location"] == reverse("ticket_list")
    assert client.get(reverse("ticket_list")).status_code == 200


def test_a_person_with_an_app_is_asked_even_with_the_setting_off(client, dispatcher, enrolled):
    sign_in(client, dispatcher)
    assert path_of(client.get(reverse("home"))) == reverse("two_factor")
    client.post(reverse("two_factor"), {"code": app_code(enrolled)})
    assert client.get(reverse("ticket_list")).status_code == 200


def test_a_wrong_code_is_refused_and_the_next_try_waits(client, dispatcher, enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 30  # 30 s after one wrong code (1 s in production): no race with a slow machine
    sign_in(client, dispatcher)
    wrong = f"{(int(app_code(enrolled)) + 500000) % 1000000:06d}"
    refused = client.post(reverse("two_factor"), {"code": wrong})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()

    # at once, even the right code waits: django-otp's throttle
    throttled = client.post(reverse("two_factor"), {"code": app_code(enrolled)})
    assert throttled.status_code == 200 and "错误次数过多" in throttled.content.decode()
    assert path_of(client.get(reverse("home"))) == reverse("two_factor")

    unthrottled(enrolled)
    assert client.post(reverse("two_factor"), {"code": app_code(enrolled)}).status_code == 302
    assert client.get(reverse("ticket_list")).status_code == 200


def test_a_code_is_taken_once(client, dispatcher, enrolled):
    code = app_code(enrolled)
    assert two_factor.verify(user=dispatcher, code=code) == enrolled
    with pytest.raises(two_factor.CodeRefused):
        two_factor.verify(user=dispatcher, code=code)


def test_a_recovery_code_works_once(client, dispatcher, enrolled):
    sign_in(client, dispatcher)
    assert client.post(reverse("two_factor"), {"code": "ABCD 2345"}).status_code == 302
    assert client.get(reverse("ticket_list")).status_code == 200
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["efgh6789"]

    client.post(reverse("logout"))
    sign_in(client, dispatcher)
    refused = client.post(reverse("two_factor"), {"code": "abcd2345"})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()


def test_wrong_recovery_codes_are_throttled_too(dispatcher, enrolled, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 30
    with pytest.raises(two_factor.CodeRefused):
        two_factor.verify(user=dispatcher, code="zzzz9999")
    with pytest.raises(two_factor.CodeRefused, match="错误次数过多"):
        two_factor.verify(user=dispatcher, code="abcd2345")
    assert StaticToken.objects.filter(token="abcd2345").exists()  # not used up by a refused try


def test_a_company_is_never_asked(client, required, company_user):
    sign_in(client, company_user)
    assert client.get(reverse("ticket_list")).status_code == 200
    assert not TOTPDevice.objects.exists()


def test_a_company_that_set_up_an_app_is_asked(client, company_user):
    device = authenticator_app(company_user)
    sign_in(client, company_user)
    assert path_of(client.get(reverse("ticket_list"))) == reverse("two_factor")
    client.post(reverse("two_factor"), {"code": app_code(device)})
    assert client.get(reverse("ticket_list")).status_code == 200


def test_logout_language_and_password_reset_stay_open(client, required, dispatcher):
    sign_in(client, dispatcher)
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_unsafe_next_is_not_followed(client, dispatcher, enrolled):
    sign_in(client, dispatcher)
    response = client.post(reverse("two_factor"), {"code": app_code(enrolled), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


# ----- the person's own page --------------------------------------------------------------------


def test_the_password_page_says_whether_it_is_on_and_gives_new_recovery_codes(client, dispatcher, enrolled):
    client.force_login(dispatcher)
    client.get(reverse("home"))
    client.post(reverse("two_factor"), {"code": app_code(enrolled)})
    page = client.get(reverse("password_change")).content.decode()
    assert "双重验证：已开启" in page and "剩余 2 个恢复码" in page

    response = client.post(reverse("two_factor_recovery_codes"), {"next": reverse("password_change")})

    assert response.status_code == 200
    codes = set(StaticToken.objects.values_list("token", flat=True))
    assert len(codes) == 10 and "abcd2345" not in codes
    assert all(code in response.content.decode() for code in codes)


def test_new_recovery_codes_need_a_verified_session(client, dispatcher, enrolled):
    client.force_login(dispatcher)
    response = client.post(reverse("two_factor_recovery_codes"))
    assert response.status_code == 302
    assert set(StaticToken.objects.values_list("token", flat=True)) == {"abcd2345", "efgh6789"}


def test_without_an_app_the_password_page_offers_to_set_one_up(client, dispatcher):
    client.force_login(dispatcher)
    page = client.get(reverse("password_change")).content.decode()
    assert "双重验证：未开启" in page and reverse("two_factor_setup") in page


# ----- the administrator's reset ----------------------------------------------------------------


def test_the_admin_resets_a_persons_second_factor(client, admin_user, dispatcher, enrolled, settings):
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:enterprises_user_changelist"))
    assert listing.status_code == 200 and "重置双重验证" in listing.content.decode()

    response = client.post(
        reverse("admin:enterprises_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [dispatcher.pk]},
        follow=True,
    )

    assert response.status_code == 200 and "已为 1 人重置双重验证" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=dispatcher).exists()
    assert not StaticDevice.objects.filter(user=dispatcher).exists()
    # at the next login (the setting on) they enrol again
    settings.REQUIRE_2FA_FOR_STAFF = True
    other = client.__class__()
    sign_in(other, dispatcher)
    assert path_of(other.get(reverse("home"))) == reverse("two_factor_setup")


def test_the_admin_shows_no_secret_key_nor_recovery_code(client, admin_user, dispatcher, enrolled):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    app = client.get(reverse("admin:otp_totp_totpdevice_change", args=[enrolled.pk]))
    codes = client.get(reverse("admin:otp_static_staticdevice_change", args=[StaticDevice.objects.get(user=dispatcher).pk]))
    assert app.status_code == codes.status_code == 200
    assert enrolled.key not in app.content.decode()
    assert "abcd2345" not in codes.content.decode()


def test_only_who_may_change_users_may_reset(client, supervisor, dispatcher, enrolled):
    from django.contrib.auth.models import Permission

    supervisor.is_staff = True
    supervisor.save()
    supervisor.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(supervisor)
    listing = client.get(reverse("admin:enterprises_user_changelist"))
    assert listing.status_code == 200 and "重置双重验证" not in listing.content.decode()
    client.post(reverse("admin:enterprises_user_changelist"), {"action": "reset_second_factor", "_selected_action": [dispatcher.pk]})
    assert TOTPDevice.objects.filter(user=dispatcher).exists()


def test_a_reset_ends_the_verified_sessions_second_factor(client, required, dispatcher, enrolled):
    sign_in(client, dispatcher)
    client.post(reverse("two_factor"), {"code": app_code(enrolled)})
    assert client.get(reverse("ticket_list")).status_code == 200
    assert two_factor.reset(user=dispatcher) == 2
    assert path_of(client.get(reverse("ticket_list"))) == reverse("two_factor_setup")


# ----- the API ----------------------------------------------------------------------------------


def test_a_session_that_has_not_passed_the_second_factor_gets_a_403_from_the_api(client, required, dispatcher):
    sign_in(client, dispatcher)
    response = client.get("/api/tickets/")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "second_factor_required" and "验证" in body["message"]


def test_the_api_answers_the_session_once_verified(client, dispatcher, enrolled):
    sign_in(client, dispatcher)
    assert client.get("/api/tickets/").status_code == 403
    client.post(reverse("two_factor"), {"code": app_code(enrolled)})
    assert client.get("/api/tickets/").status_code == 200


def test_api_tokens_are_not_concerned(required, dispatcher, enrolled):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(dispatcher)}")
    assert api.get("/api/tickets/").status_code == 200


# ----- the pages for every role -----------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["two_factor", "two_factor_setup", "two_factor_recovery_codes"])
def test_the_pages_need_a_login(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and path_of(response) == reverse("login")


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_every_role_may_set_one_up_and_is_not_asked_before(request, client, role):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    client.force_login(user)
    assert path_of(client.get(reverse("two_factor"))) == reverse("home")  # nothing to pass
    assert client.get(reverse("two_factor_setup")).status_code == 200
    assert client.get(reverse("two_factor_recovery_codes")).status_code == 405
