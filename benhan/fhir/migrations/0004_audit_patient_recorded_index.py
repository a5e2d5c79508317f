"""The audit trail's patient index becomes (patient_id, recorded).

The old plain index on patient_id (and, on PostgreSQL, its varchar_pattern_ops twin for LIKE, which
no query uses) are dropped by name rather than by AlterField: on SQLite AlterField rebuilds the
table, and the rebuilt table would lose the triggers that keep fhir_audit append-only (0002).
"""

from typing import Any

from django.db import migrations, models

_OLD = "fhir_audit_patient_id_7c322094"  # the names Django gave the db_index of 0001


def drop_old(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {_OLD}_like")
    schema_editor.execute(f"DROP INDEX IF EXISTS {_OLD}")


def restore_old(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"CREATE INDEX {_OLD} ON fhir_audit (patient_id)")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {_OLD}_like ON fhir_audit (patient_id varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ("fhir", "0003_resource_type_row_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditrow",
                    name="patient_id",
                    field=models.CharField(blank=True, max_length=64),
                ),
            ],
            database_operations=[migrations.RunPython(drop_old, restore_old)],
        ),
        migrations.AddIndex(
            model_name="auditrow",
            index=models.Index(fields=["patient_id", "recorded"], name="fhir_audit_patient"),
        ),
    ]
