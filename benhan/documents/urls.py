from __future__ import annotations

from django.urls import URLPattern, URLResolver, re_path

from ..core.lazy import lazy_view

app_name = "documents"

_ID = r"(?P<doc_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(rf"^{_ID}\.pdf$", lazy_view("benhan.documents.views.download"), name="download"),
    re_path(rf"^{_ID}/verify$", lazy_view("benhan.documents.views.verify_page"), name="verify"),
]
