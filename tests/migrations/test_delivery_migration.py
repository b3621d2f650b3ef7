"""Migrations 0006–0008: every notification's e-mail state (the email_* columns it had) becomes
its e-mail Delivery row, and back. Run on the real migration graph: the old rows are written
with the models as they were at 0006."""

import datetime
import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tickets", "0006_delivery")]
AFTER = [("tickets", "0008_remove_notification_email_columns")]

T0 = datetime.datetime(2026, 9, 30, 2, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)

# Notifications as the email_* columns had them: (subject, status, attempts, next attempt, sent at, error).
OLD = [
    ("待发送", "pending", 0, T0, None, ""),
    ("已发送", "sent", 1, None, T0 + MINUTE, ""),
    ("将重试", "failed", 2, T0 + 2 * MINUTE, None, "SMTPServerDisconnected: closed"),
    ("已放弃", "gave_up", 5, None, None, "ConnectionRefusedError: refused"),
    ("无邮箱", "no_address", 0, None, None, ""),
    ("未发送", "not_sent", 0, None, None, ""),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def at_0006(transactional_db):
    """The database at 0006 (the Delivery table, the e-mail columns still on notifications),
    with one notification of each e-mail status; back at the latest migrations afterwards."""
    apps = _migrate(BEFORE)
    try:
        user = apps.get_model("enterprises", "User").objects.create(username="duban", role="supervisor", email="duban@example.gov.cn")
        Notification = apps.get_model("tickets", "Notification")
        ids = {}
        for n, (subject, status, attempts, next_at, sent_at, error) in enumerate(OLD):
            ids[subject] = Notification.objects.create(
                recipient=user, kind="digest", subject=subject, body="…", created_at=T0 - n * MINUTE, email_status=status,
                email_attempts=attempts, email_next_attempt_at=next_at, email_sent_at=sent_at, email_error=error,
            ).pk
        yield ids
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_each_notifications_email_state_becomes_its_email_delivery(at_0006):
    apps = _migrate(AFTER)

    rows = apps.get_model("tickets", "Delivery").objects.values_list(
        "notification_id", "channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error", "created_at"
    )
    assert sorted(rows) == sorted(
        (at_0006[subject], "email", status, attempts, next_at, sent_at, error, T0 - n * MINUTE)
        for n, (subject, status, attempts, next_at, sent_at, error) in enumerate(OLD)
    )


def test_the_email_columns_are_gone_from_notifications(at_0006):
    apps = _migrate(AFTER)

    fields = {f.name for f in apps.get_model("tickets", "Notification")._meta.get_fields()}
    assert not {name for name in fields if name.startswith("email_")}
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "tickets_notification")}
    assert not {name for name in columns if name.startswith("email_")}


def test_migrating_back_puts_the_email_state_on_the_notifications_again(at_0006):
    _migrate(AFTER)

    apps = _migrate(BEFORE)

    rows = apps.get_model("tickets", "Notification").objects.values_list(
        "pk", "email_status", "email_attempts", "email_next_attempt_at", "email_sent_at", "email_error"
    )
    assert sorted(rows) == sorted((at_0006[subject], *state) for subject, *state in OLD)
    assert not apps.get_model("tickets", "Delivery").objects.exists()


def test_migrating_twice_writes_each_delivery_once(at_0006):
    """The data migration skips notifications that already have their e-mail delivery."""

    apps = MigrationExecutor(connection).loader.project_state([("tickets", "0007_email_state_to_delivery")]).apps
    migration = importlib.import_module("tickets.migrations.0007_email_state_to_delivery")
    _migrate([("tickets", "0007_email_state_to_delivery")])

    with connection.schema_editor() as editor:
        migration.email_state_to_delivery(apps, editor)

    assert apps.get_model("tickets", "Delivery").objects.count() == len(OLD)
