"""The categories' old service-level columns and SLA policies, now in DeadlineProfile (0010 copied them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_deadline_profiles_from_service_levels")]

    operations = [
        migrations.RemoveField(
            model_name='category',
            name='resolution_days',
        ),
        migrations.RemoveField(
            model_name='category',
            name='response_days',
        ),
        migrations.DeleteModel(
            name='SLAPolicy',
        ),
    ]
