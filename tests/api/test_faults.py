"""The API with Redis stopped or hung (issue 15, items 6, 8, 9): it keeps working exactly as the
pages do — the rate limiter counts in the process meanwhile, the e-mails wait for the periodic
task — and a hung Redis costs a request its timeouts, never an error for a saved action."""

import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.models import User
from tests.factories import api_key
from tests.services_down import DEAD_REDIS_URL, Broker, hung_redis
from tickets.models import Delivery, Ticket


@pytest.fixture
def payload(category):
    return {"category": category.pk, "title": "用电增容审批慢", "description": "申请增容两个月没有答复。", "priority": "high"}


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def shorter(options, timeout):
    """The settings' Redis options with their timeouts (only those they set) cut to `timeout`."""
    return {key: timeout if key in ("socket_connect_timeout", "socket_timeout") else value for key, value in options.items()}


def redis_at(settings, url, timeout=0.5):
    """Point the cache (the API's rate counters) and the broker at `url` for this test, with the
    settings' own options for Redis with a REDIS_URL (their timeouts cut to `timeout`)."""
    configured = (
        {**settings.CACHES["default"], "LOCATION": url}
        if settings.REDIS_URL
        else {
            "BACKEND": "config.cache.FailSafeRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": settings.REDIS_TIMEOUT, "socket_timeout": settings.REDIS_TIMEOUT},
        }
    )
    settings.CACHES = {"default": {**configured, "OPTIONS": shorter(configured.get("OPTIONS", {}), timeout)}}
    options = shorter(settings.CELERY_BROKER_TRANSPORT_OPTIONS, timeout)
    return Broker(url, broker_transport_options=options, broker_connection_timeout=timeout)


def test_with_redis_stopped_the_api_reads_submits_and_acts(
    settings, company_user, dispatcher, department, payload, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=dispatcher.pk).update(email="jiaoban@example.gov.cn")
    with redis_at(settings, DEAD_REDIS_URL), django_capture_on_commit_callbacks(execute=True):
        submitted = token_client(company_user).post("/api/tickets/", payload, format="json")
        reference = submitted.json()["reference"]
        as_dispatch = token_client(dispatcher)
        listed = as_dispatch.get("/api/tickets/")
        assigned = as_dispatch.post(f"/api/tickets/{reference}/transitions/assign/", {"department": department.pk}, format="json")

    assert (submitted.status_code, listed.status_code, assigned.status_code) == (201, 200, 200)
    assert Ticket.objects.get(reference=reference).status == "assigned"
    # The e-mail to dispatch waits for the periodic task.
    assert Delivery.objects.get(notification__recipient=dispatcher, notification__kind="submitted").status == "pending"


def test_with_redis_stopped_the_rate_limit_still_holds_per_process(settings, dispatcher, ticket):
    settings.API_RATE_LIMIT = "3/min"
    with redis_at(settings, DEAD_REDIS_URL):
        client = token_client(dispatcher)
        codes = [client.get("/api/tickets/").status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]


@pytest.fixture
def dispatch_mailbox(dispatcher):
    """Dispatch has an address: a submission then queues an e-mail (a publish to the broker)."""
    User.objects.filter(pk=dispatcher.pk).update(email="jiaoban@example.gov.cn")


def test_with_redis_hung_an_api_submission_is_saved_and_answered_within_the_timeouts(
    settings, company_user, payload, dispatch_mailbox, django_capture_on_commit_callbacks, caplog
):
    with hung_redis() as url, redis_at(settings, url), django_capture_on_commit_callbacks(execute=True):
        company = token_client(company_user)
        started = time.monotonic()
        response = company.post("/api/tickets/", payload, format="json")
        elapsed = time.monotonic() - started
        again = company.post("/api/tickets/", {**payload, "title": "再次提交"}, format="json")
        second = time.monotonic() - started - elapsed

    assert response.status_code == 201
    assert "Could not queue e-mail sending" in caplog.text
    assert Ticket.objects.filter(reference=response.json()["reference"]).exists()
    # Redis is then left alone for a while: the next request waits for nothing.
    assert again.status_code == 201 and second < 0.5, f"the second submission took {second:.1f}s"
    # One timeout for the rate counters, one for the publish of the e-mail task (0.5 s each here).
    assert elapsed < 2.5, f"the submission took {elapsed:.1f}s with Redis hung"


def test_with_redis_hung_a_page_action_is_saved_and_shown_within_the_timeouts(
    settings, client, company_user, category, dispatch_mailbox, django_capture_on_commit_callbacks, caplog
):
    client.force_login(company_user)
    form = {"category": category.pk, "title": "贷款审批迟迟没有结果", "description": "申请技改贷款至今没有答复。", "priority": "normal"}
    with hung_redis() as url, redis_at(settings, url), django_capture_on_commit_callbacks(execute=True):
        started = time.monotonic()
        response = client.post(reverse("ticket_new"), form)
        elapsed = time.monotonic() - started

    assert response.status_code == 302 and Ticket.objects.count() == 1
    assert "Could not queue e-mail sending" in caplog.text  # the publish was tried and timed out
    assert elapsed < 2, f"the page action took {elapsed:.1f}s with Redis hung"


def test_without_redis_the_rate_counters_are_kept_in_the_database(settings, dispatcher, ticket):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "qiye_cache_test"}}
    settings.API_RATE_LIMIT = "2/min"
    call_command("createcachetable", verbosity=0)
    client = token_client(dispatcher)

    assert [client.get("/api/tickets/").status_code for _ in range(3)] == [200, 200, 429]
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM qiye_cache_test")
        assert any("throttle_token" in key for (key,) in cursor.fetchall())


def test_the_admin_home_page_says_when_redis_does_not_answer(settings, client, admin_user):
    settings.REDIS_URL, settings.REDIS_TIMEOUT = DEAD_REDIS_URL, 0.3
    client.force_login(admin_user)

    page = client.get("/admin/").content.decode()

    assert "Redis" in page and "ConnectionError" in page


def test_the_admin_home_page_has_no_warning_while_redis_answers_or_is_not_used(settings, client, admin_user):
    settings.REDIS_URL = ""
    client.force_login(admin_user)

    assert "Redis" not in client.get("/admin/").content.decode()
