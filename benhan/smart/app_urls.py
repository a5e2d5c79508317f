"""Included into the patient app's URLs (namespace `portal`), so the patient cookie (path /app/) reaches them."""

from __future__ import annotations

from django.urls import path

from . import app_views, eid_views

urlpatterns = [
    path("uy-quyen/", app_views.authorize, name="smart_authorize"),
    path("ung-dung/", app_views.apps, name="smart_apps"),
    path("ung-dung/<int:authorization_id>/thu-hoi/", app_views.revoke, name="smart_revoke"),
    path("dang-nhap/eid/", eid_views.start, name="eid_start"),
    path("dang-nhap/eid/xong/", eid_views.callback, name="eid_callback"),
    path("dang-nhap/eid/noi/", eid_views.join, name="eid_join"),
]
