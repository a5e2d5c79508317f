from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = [
    path("app/thong-bao/", views.settings_page, name="settings"),
    path("app/thong-bao/push/", views.push_subscribe, name="push_subscribe"),
    path("app/thong-bao/push/huy/", views.push_unsubscribe, name="push_unsubscribe"),
]
