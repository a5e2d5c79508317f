from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import pages, views

app_name = "exchange"

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox", views.inbox, name="inbox"),
    path("directory", views.directory, name="directory"),
    path("call", views.call, name="call"),
    path("mpi/fhir/Patient", views.pdqm_patients, name="pdqm"),
    path("ho-so-lien-thong/<str:patient_id>/", pages.shared_records, name="shared-records"),
    path("dong-y/<str:patient_id>/", pages.sharing_consent, name="consent"),
    path("chuyen-den/", pages.incoming, name="incoming"),
    path("chuyen-den/<str:task_id>/", pages.decide, name="decide"),
    path("hang-doi/", pages.queues, name="queues"),
    path("hang-doi/gui-lai/", pages.retry, name="retry"),
]
