"""The insurance desk's pages under /ui/bhyt/: claims of a month, one claim, batch export and sending."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "bhyt"

urlpatterns: list[URLPattern] = [
    path("", views.month, name="claims"),
    path("lap/", views.generate_view, name="generate"),
    path("xuat/", views.export_view, name="export"),
    path("gui/", views.submit_view, name="submit"),
    path("<str:ma_lk>/", views.claim_view, name="claim"),
    path("<str:ma_lk>/thong-tin/", views.facts_view, name="facts"),
    path("<str:ma_lk>/lap-lai/", views.regenerate_view, name="regenerate"),
    path("<str:ma_lk>/gui-lai/", views.resend_view, name="resend"),
]
