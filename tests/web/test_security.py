"""Security basics a government system needs."""

import datetime
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.sessions import REFRESHED_KEY
from tests.conftest import PASSWORD
from tickets.models import Status

ROOT = Path(__file__).resolve().parents[2]


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account(client, company_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "company", "wrong-password")
    response = _login(client, "company", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_password_shows_error_without_locking(client, company_user):
    response = _login(client, "company", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _login(client, "company", PASSWORD).status_code == 302


def test_lockout_is_per_username(client, company_user, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "company", "wrong-password")
    assert _login(client, "dispatcher", PASSWORD).status_code == 302


def test_idle_session_expires(client, company_user):
    _login(client, "company", PASSWORD)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("ticket_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_session_timeout_is_thirty_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_REFRESH_SECONDS <= 60


@pytest.mark.parametrize("password", ["12345678901", "password123", "short"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_action_without_csrf_token_is_refused(in_progress_ticket, department_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(department_user)
    response = client.post(reverse("ticket_action", args=[in_progress_ticket.reference, "resolve"]), {"result": "已办结"})
    assert response.status_code == 403
    in_progress_ticket.refresh_from_db()
    assert in_progress_ticket.status == Status.IN_PROGRESS


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG",)}
    env.update(
        DJANGO_DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="qiye.example.gov.cn",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    env = _production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_admin_cannot_edit_ticket_status(admin_user, ticket):
    client = Client()
    client.force_login(admin_user)
    change_url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    client.post(change_url, {"status": "closed"})
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED
    page = client.get(change_url).content.decode()
    assert 'name="status"' not in page


def test_database_refuses_to_edit_an_event(ticket):
    from django.db import DatabaseError, connection, transaction

    event = ticket.events.get()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE tickets_ticketevent SET note = 'forged' WHERE id = %s", [event.pk])
    assert ticket.events.get().note == ""


@pytest.mark.postgres
def test_postgres_refuses_to_delete_an_event(ticket):
    from django.db import DatabaseError, connection, transaction

    event = ticket.events.get()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_ticketevent WHERE id = %s", [event.pk])
    assert ticket.events.filter(pk=event.pk).exists()


def test_a_ruling_without_csrf_token_is_refused(assigned_ticket, department_user, dispatcher):
    from tickets import services

    asked = services.return_request_file(ticket=assigned_ticket, by=department_user, reason="不归我局管")
    client = Client(enforce_csrf_checks=True)
    client.force_login(dispatcher)
    response = client.post(reverse("return_decide", args=[asked.pk]), {"decision": "upheld"})
    assert response.status_code == 403
    asked.refresh_from_db()
    assert asked.state == "pending"


def test_a_return_request_without_csrf_token_is_refused(assigned_ticket, department_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(department_user)
    response = client.post(reverse("ticket_action", args=[assigned_ticket.reference, "return_to_dispatch"]), {"reason": "不归我局管"})
    assert response.status_code == 403
    assert not assigned_ticket.return_requests.exists()


# --- outcome kinds and rating reviews (DESIGN.md §9): every new page, action and API route × every role ---

from tests.conftest import ROLE_FIXTURES, api_as  # noqa: E402
from tickets.models import RatingReview  # noqa: E402

# Who sees the (reopened) ticket of the department: the rule of tickets.visibility.
SEES_THE_TICKET = {
    "company": True, "other_company": False, "liaison": True, "other_liaison": False, "dispatcher": True, "department": True,
    "other_department": False, "co_department": False, "supervisor": True, "leader": True, "admin": True, "callback": True,
}  # fmt: skip
DECIDES_REVIEWS = {"supervisor", "admin"}
ASKS_FOR_A_REVIEW = {"department"}


def test_the_review_tables_cover_every_role():
    assert set(SEES_THE_TICKET) == set(ROLE_FIXTURES)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_opens_the_review_list_only_if_it_decides_reviews(request, client, role, rating_review):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(reverse("rating_review_list"))
    assert response.status_code == (200 if role in DECIDES_REVIEWS else 403)
    if role not in DECIDES_REVIEWS:
        assert rating_review.reason not in response.content.decode()


def test_the_review_list_needs_a_login(client):
    response = client.get(reverse("rating_review_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_decides_a_review_on_the_page_only_as_the_rules_say(request, client, role, rating_review):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.post(reverse("rating_review_decide", args=[rating_review.pk]), {"decision": "uphold"})
    state = RatingReview.objects.get().state
    if not SEES_THE_TICKET[role]:
        assert response.status_code == 404 and state == "pending"
    elif role in DECIDES_REVIEWS:
        assert response.status_code == 302 and state == "upheld"
    else:
        assert response.status_code == 403 and state == "pending"


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_asks_for_a_review_on_the_page_only_as_the_rules_say(request, client, role, reopened_ticket):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    url = reverse("ticket_action", args=[reopened_ticket.reference, "request_rating_review"])
    response = client.post(url, {"reason": "非本部门责任"})
    if not SEES_THE_TICKET[role]:
        assert response.status_code == 404
    else:
        assert response.status_code == 302
    assert RatingReview.objects.exists() is (role in ASKS_FOR_A_REVIEW)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_asks_for_a_review_through_the_api_only_as_the_rules_say(request, role, reopened_ticket):
    response = api_as(request.getfixturevalue(ROLE_FIXTURES[role])).post(
        f"/api/tickets/{reopened_ticket.reference}/rating-reviews/", {"reason": "非本部门责任"}, format="json"
    )
    expected = 201 if role in ASKS_FOR_A_REVIEW else 403 if SEES_THE_TICKET[role] else 404
    assert response.status_code == expected, response.content
    assert RatingReview.objects.exists() is (role in ASKS_FOR_A_REVIEW)


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_decides_a_review_through_the_api_only_as_the_rules_say(request, role, rating_review):
    response = api_as(request.getfixturevalue(ROLE_FIXTURES[role])).post(
        f"/api/rating-reviews/{rating_review.pk}/decision/", {"decision": "refuse", "note": "评价成立"}, format="json"
    )
    expected = 200 if role in DECIDES_REVIEWS else 403 if SEES_THE_TICKET[role] else 404
    assert response.status_code == expected, response.content
    assert RatingReview.objects.get().state == ("refused" if role in DECIDES_REVIEWS else "pending")


def _settings_of(**env_vars):
    """settings.DEBUG, PRODUCTION and the static storage under these variables (a fresh process)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DJANGO_DEMO", "DJANGO_ENV", "SECRET_KEY")}
    env.update(env_vars, DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.PRODUCTION, settings.STORAGES['staticfiles']['BACKEND'].rsplit('.', 1)[1], "
        "getattr(settings, 'SECURE_SSL_REDIRECT', False))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_demo_runs_with_debug_off_over_plain_http_with_static_files_from_the_source():
    result = _settings_of(DJANGO_DEMO="true")
    assert result.stdout.split() == ["False", "False", "StaticFilesStorage", "False"], result.stderr


def test_scripts_run_starts_the_demo_mode():
    assert "export DJANGO_DEMO=${DJANGO_DEMO:-true}" in (ROOT / "scripts" / "run").read_text()


@pytest.mark.parametrize(
    "variables", [{"DJANGO_ENV": "production", "DJANGO_DEBUG": "true"}, {"DJANGO_ENV": "production", "DJANGO_DEMO": "true"}]
)
def test_production_refuses_debug_and_the_demo_mode(variables):
    result = _settings_of(SECRET_KEY=secrets.token_urlsafe(60), **variables)
    assert result.returncode != 0 and "DJANGO_ENV=production refuses" in result.stderr


def test_debug_off_outside_the_demo_is_production_with_its_hardening():
    result = _settings_of(DJANGO_DEBUG="false", SECRET_KEY=secrets.token_urlsafe(60))
    assert result.stdout.split() == ["False", "True", "CompressedManifestStaticFilesStorage", "True"], result.stderr


def test_the_product_s_own_404_page_is_shown_with_debug_off(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_page_view_does_not_write_the_session_again_within_a_minute(client, company_user):
    _login(client, "company", PASSWORD)
    client.get(reverse("ticket_list"))
    expiry = Session.objects.get().expire_date
    Session.objects.update(expire_date=expiry - datetime.timedelta(minutes=5))
    client.get(reverse("ticket_list"))
    assert Session.objects.get().expire_date == expiry - datetime.timedelta(minutes=5)


def test_page_view_after_a_minute_moves_the_idle_timeout_on(client, company_user, settings):
    _login(client, "company", PASSWORD)
    session = client.session
    session[REFRESHED_KEY] = int(time.time()) - settings.SESSION_REFRESH_SECONDS
    session.save()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=3))
    client.get(reverse("ticket_list"))
    assert Session.objects.get().expire_date > timezone.now() + datetime.timedelta(minutes=29)


def test_anonymous_page_view_makes_no_session(client, db):
    client.get(reverse("login"))
    client.get(reverse("ticket_list"))
    assert not Session.objects.exists()
