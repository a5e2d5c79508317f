from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "sharing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("app/ho-so/<int:profile_id>/lien-ket/", views.manage, name="manage"),
    path("app/ho-so/<int:profile_id>/lien-ket/<int:link_id>/thu-hoi/", views.revoke, name="revoke"),
    path("xem/<str:token>/", views.view, name="view"),
    path("xem/<str:token>/giay-to/<str:document_id>.pdf", views.download, name="download"),
]
