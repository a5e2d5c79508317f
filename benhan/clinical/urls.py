"""Clinician pages under /ui/ (the login and staff pages share the prefix from benhan.accounts.urls)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from .views import encounters, home, lookup, patients, results, signatures

app_name = "clinical"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
    path("goi-so/", home.call_next, name="call-next"),
    path("nguoi-benh/", patients.search, name="search"),
    path("nguoi-benh/dang-ky/", patients.register, name="register"),
    path("nguoi-benh/<str:patient_id>/", patients.chart, name="chart"),
    path("nguoi-benh/<str:patient_id>/nhat-ky-truy-cap/", patients.access_log, name="access-log"),
    path("nguoi-benh/<str:patient_id>/tiep-don/", patients.check_in, name="check-in"),
    path("nguoi-benh/<str:patient_id>/nhap-vien/", patients.admit, name="admit"),
    path("nguoi-benh/<str:patient_id>/di-ung/", patients.add_allergy, name="allergy"),
    path("nguoi-benh/<str:patient_id>/gop-ho-so/", patients.merge, name="merge"),
    path("luot-kham/<str:encounter_id>/", encounters.encounter, name="encounter"),
    path("luot-kham/<str:encounter_id>/sinh-ton/", encounters.record_vitals, name="vitals"),
    path("luot-kham/<str:encounter_id>/ghi-chep/", encounters.record_note, name="note"),
    path("luot-kham/<str:encounter_id>/chan-doan/", encounters.set_diagnoses, name="diagnoses"),
    path("luot-kham/<str:encounter_id>/chi-dinh/", encounters.place_orders, name="orders"),
    path("luot-kham/<str:encounter_id>/don-thuoc/", encounters.prescribe, name="prescribe"),
    path("luot-kham/<str:encounter_id>/don-thuoc/<str:group>/ky/", encounters.sign_prescription, name="sign-prescription"),
    path("luot-kham/<str:encounter_id>/don-thuoc/<str:group>/ma-quoc-gia/", encounters.national_code, name="national-code"),
    path("luot-kham/<str:encounter_id>/ket-thuc/", encounters.conclude, name="conclude"),
    path("luot-kham/<str:encounter_id>/chuyen-khoa/", encounters.transfer, name="transfer"),
    path("luot-kham/<str:encounter_id>/ra-vien/", encounters.discharge, name="discharge"),
    path("luot-kham/<str:encounter_id>/cho-ky/", signatures.pending_fragment, name="pending-signatures"),
    path("cho-ky/<str:pending_id>/gui-lai/", signatures.retry_pending, name="pending-retry"),
    path("can-lam-sang/", results.worklist, name="worklist"),
    path("can-lam-sang/<str:request_id>/ket-qua/", results.enter_result, name="result"),
    path("ket-qua/<str:report_id>/ky/", results.sign_report, name="sign-report"),
    path("ket-qua/<str:report_id>/da-tu-van/", results.review_result, name="review-result"),
    path("tra-cuu/icd10/", lookup.icd10, name="lookup-icd10"),
    path("tra-cuu/thuoc/", lookup.drugs, name="lookup-drugs"),
]
