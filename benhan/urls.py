from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    # Bulk export status and files; before /fhir, whose one pattern takes every /fhir/... path.
    path("fhir/bulk/", include("benhan.fhir.bulk.urls")),
    path("fhir", include("benhan.fhir.urls")),
    path("oauth2/", include("benhan.accounts.oauth_urls")),
    # Login, staff, facility structure and catalog pages; clinical pages share the /ui/ prefix.
    path("ui/lich-hen/", include("benhan.booking.urls")),
    path("ui/bhyt/", include("benhan.insurance.urls")),
    path("ui/", include("benhan.accounts.urls")),
    path("ui/", include("benhan.facilities.urls")),
    path("ui/", include("benhan.vn.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ui/", include("benhan.clinical.urls")),
    path("documents/", include("benhan.documents.urls")),
    path("exchange/", include("benhan.exchange.urls")),
    path("app/", include("benhan.booking.app_urls")),
    path("", include("benhan.questions.urls")),
    path("", include("benhan.feedback.urls")),
    path("", include("benhan.notifications.urls")),
    path("", include("benhan.sharing.urls")),
    path("app/", include("benhan.portal.urls")),
    path("reports/", include("benhan.reports.urls")),
    path("province/", include("benhan.province.urls")),
    path("", include("benhan.core.urls")),
]
