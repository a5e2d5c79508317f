"""Views imported on first call, so the URL map does not pull every capability in at start-up."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.http import HttpRequest, HttpResponse


def lazy_view(dotted: str) -> Any:
    module_name, _, attr = dotted.rpartition(".")
    cache: dict[str, Any] = {}

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "fn" not in cache:
            cache["fn"] = getattr(import_module(module_name), attr)
        response: HttpResponse = cache["fn"](request, *args, **kwargs)
        return response

    view.csrf_exempt = True  # type: ignore[attr-defined]  # the target decides; FHIR views are token-authenticated
    view.__name__ = attr
    return view
