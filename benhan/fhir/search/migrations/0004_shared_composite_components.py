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

from ._index_rows import Shared, copy_back, delete_dropped

# Per component type: (resource type, key no longer written, key it shares).
SHARED: Shared = {
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


def forwards(apps: Any, schema_editor: Any) -> None:
    delete_dropped(apps, schema_editor, SHARED)


def backwards(apps: Any, schema_editor: Any) -> None:
    copy_back(apps, schema_editor, SHARED, grp="grp")


class Migration(migrations.Migration):
    dependencies = [("fhir_search", "0003_extended_statistics")]
    operations = [migrations.RunPython(forwards, backwards)]
