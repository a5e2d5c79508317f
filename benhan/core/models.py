"""Operator bookkeeping that is not clinical data (so it lives in ordinary Django models)."""

from __future__ import annotations

from django.db import models


class ImportCheckpoint(models.Model):
    """One committed chunk of an import: written in the same transaction as the chunk's resources.

    A file is known by the SHA-256 of its bytes, a chunk by its first entry or line; re-running an
    import after a crash skips exactly the chunks whose resources are stored, so nothing doubles.
    """

    file_sha256 = models.CharField(max_length=64)
    offset = models.PositiveIntegerField()
    path = models.TextField()
    resources = models.PositiveIntegerField()
    tenant = models.CharField(max_length=32, blank=True)
    committed = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "core_import_checkpoint"
        constraints = [models.UniqueConstraint(fields=["file_sha256", "offset"], name="core_import_chunk_uniq")]
