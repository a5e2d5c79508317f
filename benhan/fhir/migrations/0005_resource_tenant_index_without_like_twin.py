"""fhir_resource's tenant index keeps its B-tree under a declared name, without the LIKE twin.

On PostgreSQL the existing index is renamed (no rebuild of a large table's index) and the
varchar_pattern_ops twin that `db_index` adds is dropped. SQLite cannot rename an index: there it is
dropped and built again (and AlterField would have rebuilt the whole table).
"""

from typing import Any

from django.db import migrations, models

_OLD = "fhir_resource_tenant_d99769b2"  # the name Django gave the db_index of 0001
_NEW = "fhir_resource_tenant"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {_OLD}_like")
        schema_editor.execute(f"ALTER INDEX IF EXISTS {_OLD} RENAME TO {_NEW}")
    else:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_OLD}")
        schema_editor.execute(f"CREATE INDEX {_NEW} ON fhir_resource (tenant)")


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {_NEW} RENAME TO {_OLD}")
        schema_editor.execute(f"CREATE INDEX {_OLD}_like ON fhir_resource (tenant varchar_pattern_ops)")
    else:
        schema_editor.execute(f"DROP INDEX {_NEW}")
        schema_editor.execute(f"CREATE INDEX {_OLD} ON fhir_resource (tenant)")


class Migration(migrations.Migration):

    dependencies = [
        ("fhir", "0004_audit_patient_recorded_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="resourcerow",
                    name="tenant",
                    field=models.CharField(max_length=32),
                ),
                migrations.AddIndex(
                    model_name="resourcerow",
                    index=models.Index(fields=["tenant"], name="fhir_resource_tenant"),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
