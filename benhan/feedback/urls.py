"""Mounted at the site root: the patient's page at /app/gop-y/, the staff's under /ui/gop-y/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from . import views

staff = ([
    path("", views.queue_view, name="queue"),
    path("<int:feedback_id>/", views.detail_view, name="detail"),
    path("<int:feedback_id>/xu-ly/", views.act_view, name="act"),
], "feedback")

urlpatterns: list[URLPattern | URLResolver] = [
    path("ui/gop-y/", include(staff)),
    path("app/gop-y/", views.send_view, name="feedback-send"),
]
