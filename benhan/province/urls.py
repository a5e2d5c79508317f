from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "province"

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("tu-danh-gia/", views.assessment, name="assessment"),
    path("<slug:key>.<slug:fmt>", views.export, name="export"),
]
