"""Make the audit trail append-only in the database itself, not only in application code."""

from __future__ import annotations

from typing import Any

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION fhir_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'fhir_audit is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fhir_audit_no_update BEFORE UPDATE OR DELETE ON fhir_audit
  FOR EACH ROW EXECUTE FUNCTION fhir_audit_append_only();
"""
PG_DOWN = "DROP TRIGGER IF EXISTS fhir_audit_no_update ON fhir_audit; DROP FUNCTION IF EXISTS fhir_audit_append_only();"
SQLITE_UP = [
    "CREATE TRIGGER fhir_audit_no_update BEFORE UPDATE ON fhir_audit BEGIN SELECT RAISE(ABORT, 'fhir_audit is append-only'); END;",
    "CREATE TRIGGER fhir_audit_no_delete BEFORE DELETE ON fhir_audit BEGIN SELECT RAISE(ABORT, 'fhir_audit is append-only'); END;",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS fhir_audit_no_update;", "DROP TRIGGER IF EXISTS fhir_audit_no_delete;"]


def up(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def down(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("fhir", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
