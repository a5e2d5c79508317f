from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox", views.inbox, name="exchange-inbox"),
    path("directory", views.directory, name="exchange-directory"),
]
