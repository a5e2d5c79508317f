"""On PostgreSQL, multi-column statistics on the index tables' leading columns.

The planner otherwise multiplies the selectivities of resource_type, param and code as if they were
independent and estimates 3 rows for `Condition clinical-status = active` when there are thousands,
then picks nested loops that read every match. The lists keep 1,000 combinations (the default 100
missed `Condition clinical-status active`, 0.2% of the token rows). Measured in benchmarks/search.py.
"""

from typing import Any

from django.db import migrations

STATISTICS = {
    "fhir_st_mcv": ("fhir_search_token", "resource_type, param, code"),
    "fhir_sr_mcv": ("fhir_search_reference", "resource_type, param, target_type"),
    "fhir_sd_mcv": ("fhir_search_date", "resource_type, param"),
    "fhir_ss_mcv": ("fhir_search_string", "resource_type, param"),
}


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, (table, columns) in STATISTICS.items():
            cursor.execute(f"CREATE STATISTICS IF NOT EXISTS {name} (mcv, ndistinct) ON {columns} FROM {table}")
            cursor.execute(f"ALTER STATISTICS {name} SET STATISTICS 1000")


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in STATISTICS:
            cursor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("fhir_search", "0002_text_and_position")]
    operations = [migrations.RunPython(forwards, backwards)]
