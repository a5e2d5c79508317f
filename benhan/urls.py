from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("fhir", include("benhan.fhir.urls")),
    path("oauth2/", include("benhan.accounts.oauth_urls")),
]
