"""API tokens (issue 15, item 2): stored hashed, named, expiring, issued and revoked in the admin
or by command, and the old plain-text tokens migrated."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient

from tickets.api.authentication import LAST_USED_PRECISION
from tickets.api.throttles import TokenRateThrottle
from tickets.models import ApiToken
from tickets.services import ActionRefused, api_token_issue, api_token_revoke


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_an_issued_token_authenticates(dispatcher, ticket):
    _token, key = api_token_issue(user=dispatcher, name="12345 平台")
    response = _client(key).get("/api/tickets/")
    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [ticket.reference]


def test_a_revoked_token_is_refused_at_once(dispatcher):
    token, key = api_token_issue(user=dispatcher, name="12345 平台")
    api_token_revoke(token=token)
    response = _client(key).get("/api/tickets/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_the_key_is_not_stored(dispatcher):
    token, key = api_token_issue(user=dispatcher, name="12345 平台")
    row = ApiToken.objects.values().get(pk=token.pk)
    assert key not in [str(value) for value in row.values()]
    assert row["digest"] == hash_token(key) and row["token_key"] == key[:15]


def test_a_token_expires_after_its_days(dispatcher, settings):
    token, key = api_token_issue(user=dispatcher, name="12345 平台", days=30)
    assert abs(token.expiry - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=1)
    default_expiry = api_token_issue(user=dispatcher, name="默认")[0].expiry
    assert default_expiry.date() == (timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS)).date()


def test_an_expired_token_is_refused_with_its_own_code_and_kept(dispatcher):
    token, key = api_token_issue(user=dispatcher, name="12345 平台")
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - datetime.timedelta(minutes=1))
    response = _client(key).get("/api/tickets/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert "过期" in response.json()["message"]
    assert ApiToken.objects.filter(pk=token.pk).exists()  # the administrator still sees which one ran out


def test_a_wrong_key_with_a_known_start_is_refused(dispatcher):
    _token, key = api_token_issue(user=dispatcher, name="12345 平台")
    response = _client(key[:15] + "0" * (len(key) - 15)).get("/api/tickets/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_a_disabled_accounts_token_is_refused(dispatcher):
    _token, key = api_token_issue(user=dispatcher, name="12345 平台")
    dispatcher.is_active = False
    dispatcher.save(update_fields=["is_active"])
    assert _client(key).get("/api/tickets/").status_code == 401


def test_one_user_may_hold_two_named_tokens(dispatcher):
    keys = [api_token_issue(user=dispatcher, name=name)[1] for name in ("12345 平台", "12345 平台（新）")]
    assert [_client(key).get("/api/categories/").status_code for key in keys] == [200, 200]


def test_a_second_token_of_the_same_name_is_refused(dispatcher):
    api_token_issue(user=dispatcher, name="12345 平台")
    with pytest.raises(ActionRefused) as refused:
        api_token_issue(user=dispatcher, name="12345 平台")
    assert refused.value.code == "conflict"
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("name, days", [("", None), ("  ", None), ("12345", 0), ("12345", 366)])
def test_a_token_without_a_name_or_with_days_out_of_range_is_refused(dispatcher, name, days):
    with pytest.raises(ActionRefused):
        api_token_issue(user=dispatcher, name=name, days=days)
    assert not ApiToken.objects.exists()


def test_the_last_use_is_recorded_at_most_every_few_minutes(dispatcher):
    token, key = api_token_issue(user=dispatcher, name="12345 平台")
    _client(key).get("/api/categories/")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    _client(key).get("/api/categories/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - LAST_USED_PRECISION - datetime.timedelta(seconds=1))
    _client(key).get("/api/categories/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_the_rate_limit_counts_per_token_by_its_hash_not_its_key(dispatcher, rf):
    token, key = api_token_issue(user=dispatcher, name="12345 平台")
    request = rf.get("/api/tickets/")
    request.user, request.auth = dispatcher, token
    cache_key = TokenRateThrottle().get_cache_key(request, None)
    assert token.digest[:16] in cache_key and key[:8] not in cache_key


def _admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_the_admin_shows_the_key_once_when_it_issues_a_token(admin_user, dispatcher):
    client = _admin_client(admin_user)
    form = {"user": dispatcher.pk, "name": "12345 平台", "days": 60}
    response = client.post("/admin/tickets/apitoken/add/", form, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    key = re.search(r"[0-9a-f]{64}", shown[0]).group()
    assert hash_token(key) == token.digest and "只显示这一次" in shown[0]
    assert token.name == "12345 平台" and token.expiry.date() == (timezone.now() + datetime.timedelta(days=60)).date()
    assert key not in client.get(f"/admin/tickets/apitoken/{token.pk}/change/").content.decode()
    listing = client.get("/admin/tickets/apitoken/").content.decode()
    assert key not in listing and token.token_key[:8] in listing and "12345 平台" in listing


def test_issuing_and_revoking_a_token_in_the_admin_is_in_the_audit_trail(admin_user, dispatcher):
    from auditlog.models import LogEntry

    client = _admin_client(admin_user)
    client.post("/admin/tickets/apitoken/add/", {"user": dispatcher.pk, "name": "12345 平台", "days": 60})
    token = ApiToken.objects.get()
    client.post(f"/admin/tickets/apitoken/{token.pk}/delete/", {"post": "yes"})
    entries = LogEntry.objects.filter(content_type__model="apitoken").order_by("timestamp")
    expected = [(LogEntry.Action.CREATE, admin_user.pk), (LogEntry.Action.DELETE, admin_user.pk)]
    assert [(entry.action, entry.actor_id) for entry in entries] == expected
    assert entries[0].changes_dict["name"] == ["None", "12345 平台"]


def test_the_admin_lists_valid_and_expired_tokens_apart(admin_user, dispatcher):
    expired, _key = api_token_issue(user=dispatcher, name="旧平台")
    ApiToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - datetime.timedelta(days=1))
    api_token_issue(user=dispatcher, name="新平台")
    client = _admin_client(admin_user)
    for state, names in (("valid", ["新平台"]), ("expired", ["旧平台"])):
        listed = client.get("/admin/tickets/apitoken/", {"state": state}).context["cl"].result_list
        assert [token.name for token in listed] == names


def test_the_admin_refuses_a_token_past_the_longest_life(admin_user, dispatcher):
    response = _admin_client(admin_user).post("/admin/tickets/apitoken/add/", {"user": dispatcher.pk, "name": "12345", "days": 400})
    assert response.status_code == 200 and response.context["adminform"].form.errors["days"]
    assert not ApiToken.objects.exists()


def test_the_admin_refuses_a_second_token_of_the_same_name(admin_user, dispatcher):
    api_token_issue(user=dispatcher, name="12345")
    response = _admin_client(admin_user).post("/admin/tickets/apitoken/add/", {"user": dispatcher.pk, "name": "12345", "days": 30})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert ApiToken.objects.count() == 1


def test_revoking_in_the_admin_refuses_the_token(admin_user, dispatcher):
    token, key = api_token_issue(user=dispatcher, name="12345")
    _admin_client(admin_user).post(f"/admin/tickets/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert _client(key).get("/api/categories/").status_code == 401


def test_the_command_prints_a_working_key(dispatcher):
    out = io.StringIO()
    call_command("create_api_token", "dispatcher", "--name", "12345 平台", "--days", "10", stdout=out, stderr=io.StringIO())
    assert _client(out.getvalue().strip()).get("/api/categories/").status_code == 200


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("create_api_token", "nobody", "--name", "x", stdout=io.StringIO(), stderr=io.StringIO())


# --- migration 0021: the old plain-text tokens ------------------------------------------------

OLD_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"


def _migrate(targets):
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_plain_token(transactional_db):
    """The database before 0021 with an old DRF token table holding one key in plain text."""
    apps = _migrate([("tickets", "0020_api_tokens")])
    try:
        user = apps.get_model("enterprises", "User").objects.create(username="hotline", role="dispatcher")
        with connection.schema_editor() as editor:
            created = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
            editor.execute(f"CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created {created} NOT NULL, user_id bigint)")
        with connection.cursor() as cursor:
            old_created = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
            cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [OLD_KEY, old_created, user.pk])
        yield user.pk
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        with connection.schema_editor() as editor:
            editor.execute("DROP TABLE IF EXISTS authtoken_token")


def test_the_migration_hashes_an_old_token_which_keeps_working(old_plain_token, settings):
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    token = ApiToken.objects.get(user_id=old_plain_token)
    assert token.digest == hash_token(OLD_KEY) and token.created.date() == datetime.date(2026, 3, 1)
    assert token.expiry.date() == (timezone.now() + datetime.timedelta(days=settings.API_TOKEN_MIGRATED_DAYS)).date()
    assert "authtoken_token" not in connection.introspection.table_names()
    assert _client(OLD_KEY).get("/api/categories/").status_code == 200
