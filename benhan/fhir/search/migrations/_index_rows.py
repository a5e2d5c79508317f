"""Row moves of the migrations that stop writing copies of index rows (0004, 0006).

The leading underscore keeps Django's migration loader from taking this module for a migration.
Migrations that ran must keep doing the same, so change this only by adding.
"""

from typing import Any

# Per value type: (resource type, param no longer written, the key that holds the same values).
Shared = dict[str, tuple[tuple[str, str, str], ...]]

MODELS = {"date": "DateIndex", "number": "NumberIndex", "quantity": "QuantityIndex", "token": "TokenIndex"}
# An Identifier or Reference value also adds token rows under the param + one of these.
EXTRA_SUFFIXES = (":of-type", ":identifier")
COMMON = ("resource_type", "resource_id", "param", "tenant", "grp")


def _tables(apps: Any) -> dict[str, str]:
    return {kind: apps.get_model("fhir_search", name)._meta.db_table for kind, name in MODELS.items()}


def delete_dropped(apps: Any, schema_editor: Any, shared: Shared) -> None:
    """Delete the rows stored under every dropped param (and its token extras)."""
    tables = _tables(apps)
    with schema_editor.connection.cursor() as cursor:
        for kind, rows in shared.items():
            for rtype, dropped, _kept in rows:
                # (resource_type, param) leads every index of the tables: an index range each.
                cursor.execute(f"DELETE FROM {tables[kind]} WHERE resource_type = %s AND param = %s", [rtype, dropped])
                cursor.execute(f"DELETE FROM {tables['token']} WHERE resource_type = %s AND param IN (%s, %s)",
                               [rtype, *(dropped + s for s in EXTRA_SUFFIXES)])


def copy_back(apps: Any, schema_editor: Any, shared: Shared, *, grp: str) -> None:
    """Copy the kept key's rows back under every dropped param. `grp` is the SQL of the copies'
    grp: "grp" keeps the element numbering (a component), "0" is what a plain parameter stores."""
    tables = _tables(apps)
    with schema_editor.connection.cursor() as cursor:
        for kind, rows in shared.items():
            for rtype, dropped, kept in rows:
                copies = [(kind, dropped, kept)] + [("token", dropped + s, kept + s) for s in EXTRA_SUFFIXES]
                for table_kind, to_param, from_key in copies:
                    model = apps.get_model("fhir_search", MODELS[table_kind])
                    values = [f.column for f in model._meta.concrete_fields if f.column not in COMMON and f.column != "id"]
                    columns = ", ".join(values)
                    cursor.execute(
                        f"INSERT INTO {tables[table_kind]} (resource_type, resource_id, param, tenant, grp, {columns})"
                        f" SELECT resource_type, resource_id, %s, tenant, {grp}, {columns} FROM {tables[table_kind]}"
                        " WHERE resource_type = %s AND param = %s",
                        [to_param, rtype, from_key],
                    )
