from __future__ import annotations

from django.urls import path

from . import views

app_name = "facilities"

urlpatterns = [
    path("facilities/", views.facility_list, name="list"),
    path("facilities/new/", views.facility_create, name="create"),
    path("facilities/communes/", views.commune_options, name="communes"),
    path("facilities/<str:code>/", views.facility_detail, name="detail"),
    path("facilities/<str:code>/departments/<int:pk>/", views.department_detail, name="department"),
]
