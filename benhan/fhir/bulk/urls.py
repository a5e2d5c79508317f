"""/fhir/bulk/: status and file URLs of bulk exports (mounted in benhan/urls.py ahead of /fhir)."""

from __future__ import annotations

from django.urls import URLPattern, path

from benhan.core.lazy import lazy_view

urlpatterns: list[URLPattern] = [
    path("<str:export_id>", lazy_view("benhan.fhir.bulk.views.status"), name="bulk-export-status"),
    path("<str:export_id>/files/<str:name>", lazy_view("benhan.fhir.bulk.views.file"), name="bulk-export-file"),
]
