"""The dashboard page and its exports: who may see which facility, and what the files hold."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from benhan.accounts.models import Facility, User
from benhan.insurance.models import Claim
from benhan.reports.figures import month_of

HOME, OTHER = "79001", "79002"


@pytest.fixture
def facilities(db: None) -> tuple[Facility, Facility]:
    return (Facility.objects.create(code=HOME, name="Trung tâm Y tế khu vực Thủ Đức"),
            Facility.objects.create(code=OTHER, name="Bệnh viện Đa khoa tỉnh"))


def _client(role: str, facility: Facility | None, username: str) -> Client:
    user = User.objects.create(username=username, role=role, facility=facility)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(facilities: tuple[Facility, Facility]) -> Client:
    return _client(User.Role.FACILITY_ADMIN, facilities[0], "qt.an")


@pytest.fixture
def claims_this_month(facilities: tuple[Facility, Facility]) -> None:
    for n, (code, status, cost) in enumerate([(HOME, "accepted", 1_250_000), (HOME, "rejected", 300_000),
                                              (OTHER, "accepted", 9_999_000)]):
        Claim.objects.create(ma_lk=f"LK{n}", facility=code, encounter_id=f"e{n}", patient_id="p",
                             period_end=timezone.now(), status=status, version="130", total_cost=Decimal(cost),
                             insurance_pays=Decimal(cost) * Decimal("0.8"))


def test_a_facility_admin_sees_the_dashboard_of_their_facility_with_charts_and_tables(
        admin: Client, claims_this_month: None) -> None:
    page = admin.get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thời gian trả kết quả xét nghiệm" in html and "Hồ sơ thanh toán BHYT" in html
    assert html.count("<svg") == 8 and html.count("<title id=") == 8  # every figure of FIGURES
    assert "1.550.000" in html  # this month's claims of the facility, in dong
    assert "9.999.000" not in html  # the other facility's claim
    assert "Chưa có dữ liệu" not in html and 'data-figure="feedback"' in html  # questions, feedback have their data now
    assert "style=" not in html and "<script>" not in html


def test_another_facility_is_refused_to_a_facility_admin(admin: Client) -> None:
    assert admin.get(f"/reports/?facility={OTHER}").status_code == 403
    assert admin.get(f"/reports/claims.csv?facility={OTHER}").status_code == 403


def test_quality_staff_may_open_the_dashboard_and_a_doctor_may_not(facilities: tuple[Facility, Facility]) -> None:
    assert _client(User.Role.QUALITY, facilities[0], "cl.binh").get("/reports/").status_code == 200
    assert _client(User.Role.DOCTOR, facilities[0], "bs.chi").get("/reports/").status_code == 403
    assert Client().get("/reports/").status_code == 302  # to the login page


def test_the_province_picks_any_facility(facilities: tuple[Facility, Facility], claims_this_month: None) -> None:
    province = _client(User.Role.PROVINCE, None, "syt.dung")
    page = province.get(f"/reports/?facility={OTHER}").content.decode()
    assert 'id="facility-picker"' in page and f'value="{HOME}"' in page
    assert "9.999.000" in page


def test_the_csv_export_holds_the_table_with_raw_numbers(admin: Client, claims_this_month: None) -> None:
    response = admin.get("/reports/claims.csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Tháng", "Tổng số hồ sơ"] and "Tổng chi phí" in rows[0]
    assert len(rows) == 13
    this_month = next(r for r in rows if r[0] == month_of(timezone.now()).label)
    record = dict(zip(rows[0], this_month, strict=True))
    assert (record["Tổng số hồ sơ"], record["Cổng đã tiếp nhận"], record["Cổng từ chối"]) == ("2", "1", "1")
    assert record["Tổng chi phí"] == "1550000" and record["BHYT chi trả"] == "1240000"


def test_the_xlsx_export_holds_the_same_table(admin: Client, claims_this_month: None) -> None:
    response = admin.get("/reports/claims.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    csv_rows = list(csv.reader(io.StringIO(admin.get("/reports/claims.csv").content.decode("utf-8-sig"))))
    assert values[0] == csv_rows[0]
    assert [["" if v is None else str(v) for v in row] for row in values[1:]] == csv_rows[1:]


def test_an_unknown_figure_or_format_is_not_found(admin: Client) -> None:
    assert admin.get("/reports/nothing.csv").status_code == 404
    assert admin.get("/reports/claims.pdf").status_code == 404


def test_the_province_sees_every_facility_in_the_overview_and_an_admin_does_not(
        admin: Client, facilities: tuple[Facility, Facility]) -> None:
    page = _client(User.Role.PROVINCE, None, "syt.em").get("/reports/").content.decode()
    assert 'data-figure="overview"' in page
    assert f'<tr data-facility="{HOME}">' in page and f'<tr data-facility="{OTHER}">' in page
    assert 'data-figure="overview"' not in admin.get("/reports/").content.decode()


def test_the_dashboard_speaks_english_when_asked(admin: Client) -> None:
    admin.cookies["django_language"] = "en"
    page = admin.get("/reports/").content.decode()
    assert "Lab result turnaround" in page and "Month" in page
    assert "Thời gian trả kết quả xét nghiệm" not in page
