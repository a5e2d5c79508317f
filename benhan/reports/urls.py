from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:key>.<slug:fmt>", views.export, name="export"),
]
