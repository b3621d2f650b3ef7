"""The API's tokens were DRF's rest_framework.authtoken keys, stored in plain text and never
expiring. This migration hashes every one into tickets.ApiToken (the same key keeps working),
gives it API_TOKEN_MIGRATED_DAYS to live from now, and drops the plain-text table. Raw SQL: the
authtoken app is no longer installed, so its model is not in the migration state."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

OLD_TABLE = "authtoken_token"
MIGRATED_NAME = "migrated token"


def hash_old_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return  # a database made after the change, or one that never had the old tokens
    ApiToken = apps.get_model("tickets", "ApiToken")
    expiry = timezone.now() + timedelta(days=settings.API_TOKEN_MIGRATED_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {OLD_TABLE}")  # noqa: S608 - a constant
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        token = ApiToken.objects.create(
            digest=hash_token(key), token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id, expiry=expiry, name=MIGRATED_NAME
        )
        ApiToken.objects.filter(pk=token.pk).update(created=created)  # auto_now_add ignores a given value
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0020_api_tokens")]

    # Not reversible: the keys are no longer known once hashed.
    operations = [migrations.RunPython(hash_old_tokens, migrations.RunPython.noop, elidable=True)]
