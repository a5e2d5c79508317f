from __future__ import annotations

from django.urls import path

from . import views

app_name = "vn"

urlpatterns = [
    path("catalogs/", views.catalogs, name="catalogs"),
    path("catalogs/import/<int:pk>/", views.import_preview, name="import-preview"),
    path("catalogs/import/<int:pk>/rejected.csv", views.import_rejected_csv, name="import-rejected"),
    path("catalogs/import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("catalogs/import/<int:pk>/cancel/", views.import_cancel, name="import-cancel"),
    path("catalogs/<slug:kind>/", views.catalog_list, name="catalog"),
    path("catalogs/<slug:kind>/import/", views.import_upload, name="import"),
    path("catalogs/labtest/<int:pk>/release-after-review/", views.toggle_release_after_review, name="labtest-review"),
    path("communes/", views.communes, name="communes"),
]
