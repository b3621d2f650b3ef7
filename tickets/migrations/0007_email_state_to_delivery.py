# Every notification's e-mail state (the email_* columns) becomes its e-mail Delivery row, in one
# INSERT … SELECT (the table may hold millions of rows). 0008 then drops the columns; they are
# dropped in a migration of their own because PostgreSQL refuses to alter a table in the
# transaction that wrote rows referencing it (deferred foreign-key checks still pending).

from django.db import migrations

CHANNEL = "email"


def email_state_to_delivery(apps, schema_editor):
    Notification = apps.get_model("tickets", "Notification")
    Delivery = apps.get_model("tickets", "Delivery")
    quote = schema_editor.quote_name
    notification, delivery = quote(Notification._meta.db_table), quote(Delivery._meta.db_table)
    schema_editor.execute(
        f"INSERT INTO {delivery} (notification_id, channel, status, attempts, next_attempt_at, last_error, sent_at, created_at) "
        f"SELECT n.id, %s, n.email_status, n.email_attempts, n.email_next_attempt_at, n.email_error, n.email_sent_at, n.created_at "
        f"FROM {notification} n "
        f"WHERE NOT EXISTS (SELECT 1 FROM {delivery} d WHERE d.notification_id = n.id AND d.channel = %s)",
        [CHANNEL, CHANNEL],
    )


def delivery_to_email_state(apps, schema_editor):
    """Back: the e-mail Delivery row's state onto the notification's columns (a notification
    without one was not e-mailed), then the rows go."""
    Notification = apps.get_model("tickets", "Notification")
    Delivery = apps.get_model("tickets", "Delivery")
    quote = schema_editor.quote_name
    notification, delivery = quote(Notification._meta.db_table), quote(Delivery._meta.db_table)
    of_row = f"FROM {delivery} d WHERE d.notification_id = {notification}.id AND d.channel = %s"
    schema_editor.execute(
        f"UPDATE {notification} SET "
        f"email_status = COALESCE((SELECT d.status {of_row}), 'not_sent'), "
        f"email_attempts = COALESCE((SELECT d.attempts {of_row}), 0), "
        f"email_next_attempt_at = (SELECT d.next_attempt_at {of_row}), "
        f"email_error = COALESCE((SELECT d.last_error {of_row}), ''), "
        f"email_sent_at = (SELECT d.sent_at {of_row})",
        [CHANNEL] * 5,
    )
    schema_editor.execute(f"DELETE FROM {delivery} WHERE channel = %s", [CHANNEL])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_delivery"),
    ]

    operations = [migrations.RunPython(email_state_to_delivery, delivery_to_email_state)]
