from __future__ import annotations

from django.urls import path
from oauth2_provider import views as oauth_views

from benhan.smart import endpoints

# Token, revoke and introspect answer patient apps (benhan.smart) and pass system clients on to
# django-oauth-toolkit. Patients authorize apps at /app/uy-quyen/ (their session cookie lives under /app/).
urlpatterns = [
    path("token", endpoints.token, name="oauth2-token"),
    path("authorize", oauth_views.AuthorizationView.as_view(), name="oauth2-authorize"),
    path("revoke", endpoints.revoke, name="oauth2-revoke"),
    path("introspect", endpoints.introspect, name="oauth2-introspect"),
    path("jwks", endpoints.jwks, name="oauth2-jwks"),
]
