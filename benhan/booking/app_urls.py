"""Patient-app booking pages, mounted at /app/."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import app_views

app_name = "booking_app"

urlpatterns: list[URLPattern] = [
    path("ho-so/<int:profile_id>/lich-hen/", app_views.bookings, name="list"),
    path("ho-so/<int:profile_id>/lich-hen/dat/", app_views.choose, name="choose"),
    path("ho-so/<int:profile_id>/lich-hen/<int:booking_id>/", app_views.detail, name="detail"),
    path("ho-so/<int:profile_id>/lich-hen/<int:booking_id>/huy/", app_views.cancel_view, name="cancel"),
    # The link in a reminder: the phone's profile holding that booking, found at click time.
    path("lich-hen/<int:booking_id>/", app_views.open_booking, name="open"),
]
