"""A version row stores no copy of the bytes its resource row holds (NULL content: store._BODY).

Existing rows give up their copy too: versionId and lastUpdated are inside the bytes, so at most one
version of a resource equals the resource row's content, and that one becomes NULL. Backwards, it
gets the bytes back before the column is NOT NULL again.
"""

from django.db import migrations, models

_SHARED = "SELECT r.content FROM fhir_resource r WHERE r.id = fhir_resource_version.row_id"


class Migration(migrations.Migration):

    dependencies = [
        ("fhir", "0004_indexes_without_like_twins"),
    ]

    operations = [
        migrations.AlterField(
            model_name="resourceversionrow",
            name="content",
            field=models.TextField(null=True),
        ),
        migrations.RunSQL(
            f"UPDATE fhir_resource_version SET content = NULL WHERE content = ({_SHARED})",
            f"UPDATE fhir_resource_version SET content = ({_SHARED}) WHERE content IS NULL",
        ),
    ]
