"""Clinician UI pages of the accounts app, mounted under /ui/ (LOGIN_URL is /ui/login/)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import login_views, session_views, staff_views

app_name = "accounts"

urlpatterns = [
    path("login/", login_views.login_view, name="login"),
    path("login/otp/", login_views.otp_view, name="login-otp"),
    path("logout/", login_views.logout_view, name="logout"),
    path("facility/", session_views.switch_facility, name="switch-facility"),
    path("account/password/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password-changed"),
    ), name="password-change"),
    path("account/password/done/", session_views.password_changed, name="password-changed"),
    path("staff/", staff_views.staff_list, name="staff-list"),
    path("staff/new/", staff_views.staff_create, name="staff-create"),
    path("staff/<int:pk>/", staff_views.staff_edit, name="staff-edit"),
]
