from __future__ import annotations

from django.urls import path
from oauth2_provider import views as oauth_views

urlpatterns = [
    path("token", oauth_views.TokenView.as_view(), name="oauth2-token"),
    path("authorize", oauth_views.AuthorizationView.as_view(), name="oauth2-authorize"),
    path("revoke", oauth_views.RevokeTokenView.as_view(), name="oauth2-revoke"),
    path("introspect", oauth_views.IntrospectTokenView.as_view(), name="oauth2-introspect"),
]
