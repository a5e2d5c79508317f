"""Typed search-index tables, one row per indexed value, filled by the indexer in the writing transaction.

Every row names the resource by its natural key (`resource_type`, `resource_id`, as
`fhir_resource` and the compartment table do, so the write listener needs no query to learn row
ids and chained references join on the id they store), its type, the search parameter code and the owning tenant. `grp` numbers the element a
composite parameter's component values came from, so `code-value-quantity` matches a code and a
value of the same element; plain parameters use 0. Text columns hold '' rather than NULL so
comparisons behave alike on SQLite and PostgreSQL.

Dates are stored as an inclusive range of epoch milliseconds (`low`..`high`): `1970` is the whole
year, a Period its start and end, an open end is +infinity. This makes every FHIR date prefix a
range comparison the index can serve.
"""

from __future__ import annotations

from django.db import models


class _IndexRow(models.Model):
    resource_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=64)
    param = models.CharField(max_length=100)
    tenant = models.CharField(max_length=32)
    grp = models.SmallIntegerField(default=0)

    class Meta:
        abstract = True


class StringIndex(_IndexRow):
    value = models.CharField(max_length=255)  # folded: lower case, accents stripped, đ → d
    exact = models.CharField(max_length=255)  # as written, for :exact

    class Meta:
        db_table = "fhir_search_string"
        indexes = [
            models.Index(fields=["resource_type", "param", "value", "resource_id"], name="fhir_ss_value",
                         opclasses=["varchar_pattern_ops"] * 3 + ["varchar_pattern_ops"]),
            models.Index(fields=["resource_id"], name="fhir_ss_res"),
        ]


class TokenIndex(_IndexRow):
    system = models.CharField(max_length=255)
    code = models.CharField(max_length=255)
    text = models.CharField(max_length=255)  # folded display / CodeableConcept.text, for :text

    class Meta:
        db_table = "fhir_search_token"
        indexes = [
            models.Index(fields=["resource_type", "param", "code", "system", "resource_id"], name="fhir_st_code"),
            models.Index(fields=["resource_id"], name="fhir_st_res"),
        ]


class ReferenceIndex(_IndexRow):
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    url = models.CharField(max_length=255)  # absolute or canonical references, as written (no |version)

    class Meta:
        db_table = "fhir_search_reference"
        indexes = [
            models.Index(fields=["resource_type", "param", "target_id", "target_type", "resource_id"], name="fhir_sr_target"),
            models.Index(fields=["target_id", "target_type"], name="fhir_sr_revinclude"),
            models.Index(fields=["resource_id"], name="fhir_sr_res"),
        ]


class DateIndex(_IndexRow):
    low = models.BigIntegerField()
    high = models.BigIntegerField()

    class Meta:
        db_table = "fhir_search_date"
        indexes = [
            models.Index(fields=["resource_type", "param", "low", "high", "resource_id"], name="fhir_sd_low"),
            models.Index(fields=["resource_type", "param", "high", "resource_id"], name="fhir_sd_high"),
            models.Index(fields=["resource_id"], name="fhir_sd_res"),
        ]


class NumberIndex(_IndexRow):
    value = models.FloatField()

    class Meta:
        db_table = "fhir_search_number"
        indexes = [
            models.Index(fields=["resource_type", "param", "value", "resource_id"], name="fhir_sn_value"),
            models.Index(fields=["resource_id"], name="fhir_sn_res"),
        ]


class QuantityIndex(_IndexRow):
    value = models.FloatField()
    system = models.CharField(max_length=255)
    code = models.CharField(max_length=255)
    unit = models.CharField(max_length=255)

    class Meta:
        db_table = "fhir_search_quantity"
        indexes = [
            models.Index(fields=["resource_type", "param", "value", "resource_id"], name="fhir_sq_value"),
            models.Index(fields=["resource_id"], name="fhir_sq_res"),
        ]


class UriIndex(_IndexRow):
    value = models.CharField(max_length=255)

    class Meta:
        db_table = "fhir_search_uri"
        indexes = [
            models.Index(fields=["resource_type", "param", "value", "resource_id"], name="fhir_su_value",
                         opclasses=["varchar_pattern_ops"] * 3 + ["varchar_pattern_ops"]),
            models.Index(fields=["resource_id"], name="fhir_su_res"),
        ]


class TextIndex(_IndexRow):
    """`_text` (narrative) and `_content` (every human-readable string) of one resource, as its
    distinct folded words, each preceded by a space, so a word prefix is `LIKE '% word%'`."""

    value = models.TextField()

    class Meta:
        db_table = "fhir_search_text"
        indexes = [
            models.Index(fields=["resource_type", "param", "resource_id"], name="fhir_sx_type"),
            models.Index(fields=["resource_id"], name="fhir_sx_res"),
        ]


class PositionIndex(_IndexRow):
    """A geographic position (Location.position, for `near`): degrees, and the point on the unit
    sphere (x, y, z), so a great-circle distance test is plain arithmetic on both databases."""

    lat = models.FloatField()
    long = models.FloatField()
    x = models.FloatField()
    y = models.FloatField()
    z = models.FloatField()

    class Meta:
        db_table = "fhir_search_position"
        indexes = [
            models.Index(fields=["resource_type", "param", "lat", "resource_id"], name="fhir_sp_lat"),
            models.Index(fields=["resource_id"], name="fhir_sp_res"),
        ]


INDEX_MODELS: dict[str, type[_IndexRow]] = {
    "string": StringIndex,
    "token": TokenIndex,
    "reference": ReferenceIndex,
    "date": DateIndex,
    "number": NumberIndex,
    "quantity": QuantityIndex,
    "uri": UriIndex,
    "text": TextIndex,
    "position": PositionIndex,
}
