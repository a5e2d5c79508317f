"""Errors a clinician can act on: each carries a Vietnamese message and, where known, the form field."""

from __future__ import annotations


class ClinicalError(Exception):
    """Refused input. Raised before anything is stored (or inside the step's transaction, which rolls back)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
