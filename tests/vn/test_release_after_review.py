"""Lab tests marked "release after review" in the catalog: imported from a file column, shown and
switched on the catalog page by the facility admin only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from benhan.accounts.models import Facility, User
from benhan.vn.catalog_import import apply, preview
from benhan.vn.models import LabTest

pytestmark = pytest.mark.django_db


def test_the_import_reads_the_release_after_review_column() -> None:
    with translation.override("vi"):
        csv_text = ("Mã xét nghiệm,Tên xét nghiệm,Chỉ trả kết quả sau khi bác sĩ tư vấn\n"
                    "HIV,HIV Ag/Ab combo,Có\nGLU,Glucose,\nANA,Kháng thể kháng nhân,x\n")
        result = preview("labtest", "xn.csv", csv_text.encode())
        assert not result.rejected
        assert apply(result) == 3
    assert set(LabTest.objects.filter(release_after_review=True).values_list("code", flat=True)) == {"HIV", "ANA"}


def test_a_bad_yes_no_value_rejects_the_row_with_a_vietnamese_reason() -> None:
    with translation.override("vi"):
        result = preview("labtest", "xn.csv", "Mã xét nghiệm,Tên xét nghiệm,Sau tư vấn\nHIV,HIV,có lẽ\n".encode())
        assert [r.reason for r in result.rejected] == ["Chỉ trả kết quả sau khi bác sĩ tư vấn: “có lẽ” phải là Có hoặc Không"]


def test_the_facility_admin_switches_the_mark_on_the_catalog_page_and_a_doctor_cannot() -> None:
    facility = Facility.objects.create(code="79001", name="Trung tâm Y tế")
    test = LabTest.objects.create(code="HIV", name="HIV Ag/Ab combo")
    doctor, admin = Client(), Client()
    doctor.force_login(User.objects.create_user(username="bs", password="x", role=User.Role.DOCTOR, facility=facility))
    admin.force_login(User.objects.create_user(username="qt", password="x", role=User.Role.FACILITY_ADMIN,
                                               facility=facility))
    assert "Chỉ trả kết quả sau khi bác sĩ tư vấn" in doctor.get("/ui/catalogs/labtest/").content.decode()
    assert doctor.post(f"/ui/catalogs/labtest/{test.pk}/release-after-review/").status_code in (302, 403)
    test.refresh_from_db()
    assert not test.release_after_review
    assert admin.post(f"/ui/catalogs/labtest/{test.pk}/release-after-review/").status_code == 302
    test.refresh_from_db()
    assert test.release_after_review
