"""/fhir: every FHIR URL goes to one view, which routes by the shape of the path (rest/routing.py)."""

from __future__ import annotations

from django.urls import URLPattern, re_path

from benhan.core.lazy import lazy_view

urlpatterns: list[URLPattern] = [
    # "" is the base itself (/fhir); anything else must start with "/" so /fhirfoo is not ours.
    re_path(r"^(?P<path>(?:/.*)?)$", lazy_view("benhan.fhir.rest.views.endpoint"), name="fhir"),
]
