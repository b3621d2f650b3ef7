"""The database itself refuses to edit or delete a ticket event (DESIGN.md §3: append-only).

PostgreSQL refuses UPDATE and DELETE. SQLite (the embedded default) refuses UPDATE only, because
Django empties SQLite test databases with DELETE; TRUNCATE on PostgreSQL fires no row trigger.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION tickets_ticketevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ticket events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tickets_ticketevent_append_only
    BEFORE UPDATE OR DELETE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION tickets_ticketevent_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS tickets_ticketevent_append_only ON tickets_ticketevent;
DROP FUNCTION IF EXISTS tickets_ticketevent_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER tickets_ticketevent_append_only BEFORE UPDATE ON tickets_ticketevent
BEGIN SELECT RAISE(ABORT, 'ticket events are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS tickets_ticketevent_append_only;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
