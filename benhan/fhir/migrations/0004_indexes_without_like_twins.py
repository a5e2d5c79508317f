"""Two indexes lose the LIKE-pattern twin that `db_index` builds on PostgreSQL, which no query uses.

- fhir_audit: the patient_id index becomes (patient_id, recorded), the order the access logs read.
- fhir_resource: the tenant index keeps its B-tree under a declared name.

Old indexes are dropped or renamed by name rather than through AlterField: on SQLite AlterField
rebuilds the table, and a rebuilt fhir_audit would lose its append-only triggers (0002). On
PostgreSQL the tenant index of a large table is renamed in place, not rebuilt; SQLite cannot rename
an index, so there it is built again.
"""

from typing import Any

from django.db import migrations, models

# The names Django gave the db_index of 0001.
_AUDIT_OLD = "fhir_audit_patient_id_7c322094"
_TENANT_OLD, _TENANT_NEW = "fhir_resource_tenant_d99769b2", "fhir_resource_tenant"


def forwards(apps: Any, schema_editor: Any) -> None:
    run = schema_editor.execute
    for name in (f"{_AUDIT_OLD}_like", _AUDIT_OLD, f"{_TENANT_OLD}_like"):
        run(f"DROP INDEX IF EXISTS {name}")
    if schema_editor.connection.vendor == "postgresql":
        run(f"ALTER INDEX IF EXISTS {_TENANT_OLD} RENAME TO {_TENANT_NEW}")
    else:
        run(f"DROP INDEX IF EXISTS {_TENANT_OLD}")
        run(f"CREATE INDEX {_TENANT_NEW} ON fhir_resource (tenant)")


def backwards(apps: Any, schema_editor: Any) -> None:
    run = schema_editor.execute
    run(f"CREATE INDEX {_AUDIT_OLD} ON fhir_audit (patient_id)")
    if schema_editor.connection.vendor == "postgresql":
        run(f"CREATE INDEX {_AUDIT_OLD}_like ON fhir_audit (patient_id varchar_pattern_ops)")
        run(f"ALTER INDEX {_TENANT_NEW} RENAME TO {_TENANT_OLD}")
        run(f"CREATE INDEX {_TENANT_OLD}_like ON fhir_resource (tenant varchar_pattern_ops)")
    else:
        run(f"DROP INDEX {_TENANT_NEW}")
        run(f"CREATE INDEX {_TENANT_OLD} ON fhir_resource (tenant)")


class Migration(migrations.Migration):

    dependencies = [
        ("fhir", "0003_resource_type_row_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="auditrow", name="patient_id",
                                      field=models.CharField(blank=True, max_length=64)),
                migrations.AlterField(model_name="resourcerow", name="tenant", field=models.CharField(max_length=32)),
                migrations.AddIndex(model_name="resourcerow",
                                    index=models.Index(fields=["tenant"], name="fhir_resource_tenant")),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
        migrations.AddIndex(
            model_name="auditrow",
            index=models.Index(fields=["patient_id", "recorded"], name="fhir_audit_patient"),
        ),
    ]
