"""Statistics on the local month of submission (PostgreSQL), for the report's month breakdown.

The report groups by ``DATE_TRUNC('month', submitted_at AT TIME ZONE '<TIME_ZONE>')``. Without
statistics on that expression PostgreSQL takes it to have as many values as ``submitted_at`` itself
(one a ticket), so it will not hash a GROUP BY on it (or a grouping set of the dashboard's GROUPING
SETS query) into work_mem, and sorts the year's tickets on disk instead. An expression statistics
object gives the planner the real number of months (one ANALYZE of the table, which autovacuum
then keeps up to date); nothing is stored per row and no write pays for it. The expression must
be the one Django writes for TruncMonth("submitted_at") in the project's time zone.
"""

from django.conf import settings
from django.db import migrations

NAME = "ticket_submitted_month"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = schema_editor.quote_value(settings.TIME_ZONE)
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {NAME} ON (DATE_TRUNC('month', submitted_at AT TIME ZONE {zone})) FROM tickets_ticket",
        params=None,
    )
    schema_editor.execute("ANALYZE tickets_ticket", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}", params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0025_bulletin")]

    operations = [migrations.RunPython(forwards, backwards)]
