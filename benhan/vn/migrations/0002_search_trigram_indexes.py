"""On PostgreSQL, trigram indexes make `search_text LIKE '%word%'` (any word of a name) use an index.

pg_trgm ships with PostgreSQL's contrib; when the server lacks it or the role may not create it,
searches still work (sequential scan of a few thousand rows), so the migration does not fail.
"""

from typing import Any

from django.db import migrations, transaction

TABLES = ("vn_icd10", "vn_drug", "vn_technicalservice", "vn_labtest")


def _has_trgm(cursor: Any) -> bool:
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    if cursor.fetchone():
        return True
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    if not cursor.fetchone():
        return False
    try:
        with transaction.atomic():
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:
        return False
    return True


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if not _has_trgm(cursor):
            return
        for table in TABLES:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} USING gin (search_text gin_trgm_ops)")


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("vn", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
