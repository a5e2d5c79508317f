"""Composite components with the same rows share one storage key (decision 27): delete the copies.

Every composite parameter stored its components under `code#k`, so Observation's four `code-value-*`
wrote each Observation's code four times. The indexer now writes such a component once, under the
key of the first component in definition order with the same rows (search/definitions.py
`_share_components`), and searches read that key. This migration deletes the rows stored under
the keys no longer written. Nothing is lost: the key that is kept belongs to a parameter that
always wrote exactly these rows beside them. Backwards, the rows are copied back from the kept key.

The list is fixed here as the R4 definitions gave it when this was written, not computed from the
live definitions, so the migration does the same on every database whatever the definitions say
later (a change of definitions is followed by `benhan reindex` anyway).
"""

from typing import Any

from django.db import migrations

# Per component type: (resource type, key no longer written, key it shares).
SHARED: dict[str, tuple[tuple[str, str, str], ...]] = {
    "token": (
        ("ActivityDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("CapabilityStatement", "context-type-value#0", "context-type-quantity#0"),
        ("ChargeItemDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("CodeSystem", "context-type-value#0", "context-type-quantity#0"),
        ("CompartmentDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("ConceptMap", "context-type-value#0", "context-type-quantity#0"),
        ("EffectEvidenceSynthesis", "context-type-value#0", "context-type-quantity#0"),
        ("EventDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("Evidence", "context-type-value#0", "context-type-quantity#0"),
        ("EvidenceVariable", "context-type-value#0", "context-type-quantity#0"),
        ("ExampleScenario", "context-type-value#0", "context-type-quantity#0"),
        ("GraphDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("ImplementationGuide", "context-type-value#0", "context-type-quantity#0"),
        ("Library", "context-type-value#0", "context-type-quantity#0"),
        ("Measure", "context-type-value#0", "context-type-quantity#0"),
        ("MessageDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("NamingSystem", "context-type-value#0", "context-type-quantity#0"),
        ("Observation", "code-value-date#0", "code-value-concept#0"),
        ("Observation", "code-value-quantity#0", "code-value-concept#0"),
        ("Observation", "code-value-string#0", "code-value-concept#0"),
        ("Observation", "combo-code-value-quantity#0", "combo-code-value-concept#0"),
        ("Observation", "component-code-value-quantity#0", "component-code-value-concept#0"),
        ("OperationDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("PlanDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("Questionnaire", "context-type-value#0", "context-type-quantity#0"),
        ("ResearchDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("ResearchElementDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("RiskEvidenceSynthesis", "context-type-value#0", "context-type-quantity#0"),
        ("SearchParameter", "context-type-value#0", "context-type-quantity#0"),
        ("StructureDefinition", "context-type-value#0", "context-type-quantity#0"),
        ("StructureMap", "context-type-value#0", "context-type-quantity#0"),
        ("TerminologyCapabilities", "context-type-value#0", "context-type-quantity#0"),
        ("TestScript", "context-type-value#0", "context-type-quantity#0"),
        ("ValueSet", "context-type-value#0", "context-type-quantity#0"),
    ),
    "number": (
        ("MolecularSequence", "referenceseqid-variant-coordinate#1", "chromosome-variant-coordinate#1"),
        ("MolecularSequence", "referenceseqid-variant-coordinate#2", "chromosome-variant-coordinate#2"),
        ("MolecularSequence", "referenceseqid-window-coordinate#1", "chromosome-window-coordinate#1"),
        ("MolecularSequence", "referenceseqid-window-coordinate#2", "chromosome-window-coordinate#2"),
    ),
}
MODELS = {"token": "TokenIndex", "number": "NumberIndex"}
# An Identifier or Reference component value also adds token rows under the key + one of these.
EXTRA_SUFFIXES = (":of-type", ":identifier")
COMMON = ("resource_type", "resource_id", "param", "tenant", "grp")


def _tables(apps: Any) -> dict[str, str]:
    return {kind: apps.get_model("fhir_search", name)._meta.db_table for kind, name in MODELS.items()}


def forwards(apps: Any, schema_editor: Any) -> None:
    tables = _tables(apps)
    with schema_editor.connection.cursor() as cursor:
        for kind, shared in SHARED.items():
            for rtype, dropped, _kept in shared:
                # (resource_type, param) leads every index of the tables: an index range each.
                cursor.execute(f"DELETE FROM {tables[kind]} WHERE resource_type = %s AND param = %s",
                               [rtype, dropped])
                cursor.execute(f"DELETE FROM {tables['token']} WHERE resource_type = %s AND param IN (%s, %s)",
                               [rtype, *(dropped + s for s in EXTRA_SUFFIXES)])


def backwards(apps: Any, schema_editor: Any) -> None:
    tables = _tables(apps)
    with schema_editor.connection.cursor() as cursor:
        for kind, shared in SHARED.items():
            for rtype, dropped, kept in shared:
                copies = [(kind, dropped, kept)] + [("token", dropped + s, kept + s) for s in EXTRA_SUFFIXES]
                for table_kind, to_key, from_key in copies:
                    model = apps.get_model("fhir_search", MODELS[table_kind])
                    values = [f.column for f in model._meta.concrete_fields if f.column not in COMMON and f.column != "id"]
                    columns = ", ".join(values)
                    cursor.execute(
                        f"INSERT INTO {tables[table_kind]} (resource_type, resource_id, param, tenant, grp, {columns})"
                        f" SELECT resource_type, resource_id, %s, tenant, grp, {columns} FROM {tables[table_kind]}"
                        " WHERE resource_type = %s AND param = %s",
                        [to_key, rtype, from_key],
                    )


class Migration(migrations.Migration):
    dependencies = [("fhir_search", "0003_extended_statistics")]
    operations = [migrations.RunPython(forwards, backwards)]
