"""MolecularSequence's chromosome-variant-coordinate and referenceseqid-variant-coordinate read
their first component from the resource (`%resource.referenceSeq…`), which the indexer evaluated on
each variant and so never stored: index them again, now that it reads them from the resource."""

from typing import Any

from django.db import migrations


def reindex_molecular_sequences(apps: Any, schema_editor: Any) -> None:
    from benhan.fhir.search.indexer import reindex

    reindex(resource_types=["MolecularSequence"])


class Migration(migrations.Migration):

    dependencies = [
        ("fhir_search", "0004_shared_composite_components"),
        ("fhir", "0004_indexes_without_like_twins"),
    ]

    operations = [migrations.RunPython(reindex_molecular_sequences, migrations.RunPython.noop)]
