"""Plain parameters with a composite component's values store none of their own (decision 30): delete them.

Observation's `code` has the same values as the `code` component of `code-value-concept`, stored
under `code-value-concept#0` with each element numbered in `grp`; `combo-code`, `value-concept`,
`value-quantity` and its combo and component forms, the use-context,
MolecularSequence and Group parameters likewise (search/definitions.py
`_share_plain`). The indexer no longer writes these parameters' rows, and their searches read the
component's key. This migration deletes the rows an older index holds under the plain codes.
Nothing is lost: the component's rows for every such resource are there already, since its
composite always wrote them. Backwards, the rows are copied back from the component's key with
`grp` 0, as plain parameters store them.

The list is fixed here as the R4 definitions gave it when this was written, not computed from the
live definitions, so the migration does the same on every database whatever the definitions say
later (a change of definitions is followed by `benhan reindex` anyway).
"""

from typing import Any

from django.db import migrations

from ._index_rows import Shared, copy_back, delete_dropped

# Per value type: (resource type, plain parameter no longer written, the component key that holds its values).
SHARED: Shared = {
    "date": (
        ("Observation", "value-date", "code-value-date#1"),
    ),
    "number": (
        ("MolecularSequence", "variant-end", "chromosome-variant-coordinate#2"),
        ("MolecularSequence", "variant-start", "chromosome-variant-coordinate#1"),
        ("MolecularSequence", "window-end", "chromosome-window-coordinate#2"),
        ("MolecularSequence", "window-start", "chromosome-window-coordinate#1"),
    ),
    "quantity": (
        ("ActivityDefinition", "context-quantity", "context-type-quantity#1"),
        ("CapabilityStatement", "context-quantity", "context-type-quantity#1"),
        ("ChargeItemDefinition", "context-quantity", "context-type-quantity#1"),
        ("CodeSystem", "context-quantity", "context-type-quantity#1"),
        ("CompartmentDefinition", "context-quantity", "context-type-quantity#1"),
        ("ConceptMap", "context-quantity", "context-type-quantity#1"),
        ("EffectEvidenceSynthesis", "context-quantity", "context-type-quantity#1"),
        ("EventDefinition", "context-quantity", "context-type-quantity#1"),
        ("Evidence", "context-quantity", "context-type-quantity#1"),
        ("EvidenceVariable", "context-quantity", "context-type-quantity#1"),
        ("ExampleScenario", "context-quantity", "context-type-quantity#1"),
        ("GraphDefinition", "context-quantity", "context-type-quantity#1"),
        ("ImplementationGuide", "context-quantity", "context-type-quantity#1"),
        ("Library", "context-quantity", "context-type-quantity#1"),
        ("Measure", "context-quantity", "context-type-quantity#1"),
        ("MessageDefinition", "context-quantity", "context-type-quantity#1"),
        ("NamingSystem", "context-quantity", "context-type-quantity#1"),
        ("Observation", "combo-value-quantity", "combo-code-value-quantity#1"),
        ("Observation", "component-value-quantity", "component-code-value-quantity#1"),
        ("Observation", "value-quantity", "code-value-quantity#1"),
        ("OperationDefinition", "context-quantity", "context-type-quantity#1"),
        ("PlanDefinition", "context-quantity", "context-type-quantity#1"),
        ("Questionnaire", "context-quantity", "context-type-quantity#1"),
        ("ResearchDefinition", "context-quantity", "context-type-quantity#1"),
        ("ResearchElementDefinition", "context-quantity", "context-type-quantity#1"),
        ("RiskEvidenceSynthesis", "context-quantity", "context-type-quantity#1"),
        ("SearchParameter", "context-quantity", "context-type-quantity#1"),
        ("StructureDefinition", "context-quantity", "context-type-quantity#1"),
        ("StructureMap", "context-quantity", "context-type-quantity#1"),
        ("TerminologyCapabilities", "context-quantity", "context-type-quantity#1"),
        ("TestScript", "context-quantity", "context-type-quantity#1"),
        ("ValueSet", "context-quantity", "context-type-quantity#1"),
    ),
    "token": (
        ("ActivityDefinition", "context", "context-type-value#1"),
        ("ActivityDefinition", "context-type", "context-type-quantity#0"),
        ("CapabilityStatement", "context", "context-type-value#1"),
        ("CapabilityStatement", "context-type", "context-type-quantity#0"),
        ("ChargeItemDefinition", "context", "context-type-value#1"),
        ("ChargeItemDefinition", "context-type", "context-type-quantity#0"),
        ("CodeSystem", "context", "context-type-value#1"),
        ("CodeSystem", "context-type", "context-type-quantity#0"),
        ("CompartmentDefinition", "context", "context-type-value#1"),
        ("CompartmentDefinition", "context-type", "context-type-quantity#0"),
        ("ConceptMap", "context", "context-type-value#1"),
        ("ConceptMap", "context-type", "context-type-quantity#0"),
        ("EffectEvidenceSynthesis", "context", "context-type-value#1"),
        ("EffectEvidenceSynthesis", "context-type", "context-type-quantity#0"),
        ("EventDefinition", "context", "context-type-value#1"),
        ("EventDefinition", "context-type", "context-type-quantity#0"),
        ("Evidence", "context", "context-type-value#1"),
        ("Evidence", "context-type", "context-type-quantity#0"),
        ("EvidenceVariable", "context", "context-type-value#1"),
        ("EvidenceVariable", "context-type", "context-type-quantity#0"),
        ("ExampleScenario", "context", "context-type-value#1"),
        ("ExampleScenario", "context-type", "context-type-quantity#0"),
        ("GraphDefinition", "context", "context-type-value#1"),
        ("GraphDefinition", "context-type", "context-type-quantity#0"),
        ("Group", "characteristic", "characteristic-value#0"),
        ("ImplementationGuide", "context", "context-type-value#1"),
        ("ImplementationGuide", "context-type", "context-type-quantity#0"),
        ("Library", "context", "context-type-value#1"),
        ("Library", "context-type", "context-type-quantity#0"),
        ("Measure", "context", "context-type-value#1"),
        ("Measure", "context-type", "context-type-quantity#0"),
        ("MessageDefinition", "context", "context-type-value#1"),
        ("MessageDefinition", "context-type", "context-type-quantity#0"),
        ("MolecularSequence", "chromosome", "chromosome-window-coordinate#0"),
        ("MolecularSequence", "referenceseqid", "referenceseqid-window-coordinate#0"),
        ("NamingSystem", "context", "context-type-value#1"),
        ("NamingSystem", "context-type", "context-type-quantity#0"),
        ("Observation", "code", "code-value-concept#0"),
        ("Observation", "combo-code", "combo-code-value-concept#0"),
        ("Observation", "combo-value-concept", "combo-code-value-concept#1"),
        ("Observation", "component-code", "component-code-value-concept#0"),
        ("Observation", "component-value-concept", "component-code-value-concept#1"),
        ("Observation", "value-concept", "code-value-concept#1"),
        ("OperationDefinition", "context", "context-type-value#1"),
        ("OperationDefinition", "context-type", "context-type-quantity#0"),
        ("PlanDefinition", "context", "context-type-value#1"),
        ("PlanDefinition", "context-type", "context-type-quantity#0"),
        ("Questionnaire", "context", "context-type-value#1"),
        ("Questionnaire", "context-type", "context-type-quantity#0"),
        ("ResearchDefinition", "context", "context-type-value#1"),
        ("ResearchDefinition", "context-type", "context-type-quantity#0"),
        ("ResearchElementDefinition", "context", "context-type-value#1"),
        ("ResearchElementDefinition", "context-type", "context-type-quantity#0"),
        ("RiskEvidenceSynthesis", "context", "context-type-value#1"),
        ("RiskEvidenceSynthesis", "context-type", "context-type-quantity#0"),
        ("SearchParameter", "context", "context-type-value#1"),
        ("SearchParameter", "context-type", "context-type-quantity#0"),
        ("StructureDefinition", "context", "context-type-value#1"),
        ("StructureDefinition", "context-type", "context-type-quantity#0"),
        ("StructureMap", "context", "context-type-value#1"),
        ("StructureMap", "context-type", "context-type-quantity#0"),
        ("TerminologyCapabilities", "context", "context-type-value#1"),
        ("TerminologyCapabilities", "context-type", "context-type-quantity#0"),
        ("TestScript", "context", "context-type-value#1"),
        ("TestScript", "context-type", "context-type-quantity#0"),
        ("ValueSet", "context", "context-type-value#1"),
        ("ValueSet", "context-type", "context-type-quantity#0"),
    ),
}


def forwards(apps: Any, schema_editor: Any) -> None:
    delete_dropped(apps, schema_editor, SHARED)


def backwards(apps: Any, schema_editor: Any) -> None:
    copy_back(apps, schema_editor, SHARED, grp="0")


class Migration(migrations.Migration):
    dependencies = [("fhir_search", "0005_molecular_sequence_coordinates")]
    operations = [migrations.RunPython(forwards, backwards)]
