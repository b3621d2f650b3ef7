# The e-mail state lives in tickets_delivery since 0007.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0007_email_state_to_delivery"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="notification", name="notification_email_due"),
        migrations.RemoveField(model_name="notification", name="email_attempts"),
        migrations.RemoveField(model_name="notification", name="email_error"),
        migrations.RemoveField(model_name="notification", name="email_next_attempt_at"),
        migrations.RemoveField(model_name="notification", name="email_sent_at"),
        migrations.RemoveField(model_name="notification", name="email_status"),
    ]
