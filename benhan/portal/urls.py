from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from . import prescription_views, views

app_name = "portal"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.login, name="login"),
    path("dang-nhap/ma/", views.login_code, name="login_code"),
    path("dang-xuat/", views.logout, name="logout"),
    path("lien-ket/", views.link, name="link"),
    path("lien-ket/ma/", views.link_code, name="link_code"),
    path("ho-so/<int:profile_id>/", views.profile, name="profile"),
    path("ho-so/<int:profile_id>/ket-qua/", views.results, name="results"),
    path("ho-so/<int:profile_id>/ket-qua/<str:report_id>/", views.result, name="result"),
    path("ho-so/<int:profile_id>/giay-to/", views.papers, name="papers"),
    path("ho-so/<int:profile_id>/don-thuoc/", prescription_views.prescriptions, name="prescriptions"),
    path("ho-so/<int:profile_id>/giay-to/<str:document_id>.pdf", views.download, name="download"),
    path("ho-so/<int:profile_id>/ai-da-xem/", views.access_log, name="access_log"),
    path("ho-so/<int:profile_id>/chia-se/", views.sharing, name="sharing"),
    path("ho-so/<int:profile_id>/dong-y-lien-thong/", views.sharing_consent, name="sharing_consent"),
    path("ho-so/<int:profile_id>/chia-se/<int:grant_id>/thu-hoi/", views.revoke, name="revoke"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("", include("benhan.smart.app_urls")),  # SMART authorize, authorized apps, e-ID login
]
