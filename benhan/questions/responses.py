from __future__ import annotations

from django.http import HttpResponse


def photo_response(content_type: str, data: bytes) -> HttpResponse:
    """A stored photo: shown inline, never sniffed into another type, never kept by caches."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
