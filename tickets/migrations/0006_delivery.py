# Each notification's delivery over a channel as its own row (DESIGN.md §12). The e-mail state
# still on tickets_notification is moved into it by 0007 and dropped by 0008.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_idempotency_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="Delivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("channel", models.CharField(choices=[("email", "E-mail")], max_length=20, verbose_name="channel")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting to be sent"),
                            ("sent", "Sent"),
                            ("failed", "Failed, will retry"),
                            ("gave_up", "Failed, gave up"),
                            ("no_address", "No address to send to"),
                            ("not_sent", "Not sent"),
                        ],
                        default="pending",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                ("next_attempt_at", models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True, verbose_name="next attempt")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                (
                    "notification",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="tickets.notification",
                        verbose_name="notification",
                    ),
                ),
            ],
            options={
                "verbose_name": "delivery",
                "verbose_name_plural": "deliveries",
                "indexes": [
                    models.Index(
                        condition=models.Q(("status__in", ["pending", "failed"])), fields=["channel", "next_attempt_at"], name="delivery_due"
                    )
                ],
                "constraints": [models.UniqueConstraint(fields=("notification", "channel"), name="one_delivery_per_channel")],
            },
        ),
    ]
