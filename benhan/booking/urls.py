"""Staff booking pages under /ui/lich-hen/."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "booking"

urlpatterns: list[URLPattern] = [
    path("", views.day, name="day"),
    path("<int:booking_id>/tiep-don/", views.check_in_view, name="check-in"),
    path("<int:booking_id>/huy/", views.cancel_view, name="cancel"),
    path("mau-lich/", views.templates_view, name="templates"),
    path("mau-lich/<int:template_id>/tat/", views.deactivate_template, name="template-off"),
    path("ngay-nghi/", views.holidays_view, name="holidays"),
    path("hang-doi/", views.queue_view, name="queue"),
    path("man-hinh-cho/", views.display_view, name="display"),
]
