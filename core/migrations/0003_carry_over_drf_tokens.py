"""Existing DRF tokens (rest_framework.authtoken, one per user) become expiring ApiTokens.

Their keys keep working, as digests, until they expire like any new token. The old table is
read with SQL when present, so this migration needs no dependency on the app that was removed.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def carry_over(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("core", "ApiToken")
    expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id FROM authtoken_token")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="carried over",
            key_digest=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            expires_at=expires_at,
        )
        for key, user_id in rows
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_api_token")]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
