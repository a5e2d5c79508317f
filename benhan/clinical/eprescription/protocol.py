"""The HTTP protocol of donthuocquocgia.vn as implemented here.

Assumptions (QĐ 808/QĐ-BYT's connection guide was not available to us; field names follow public
integrations and must be checked against the official annex before production):

1. `POST {base}/api/auth/dang-nhap-co-so-kham-chua-benh` with JSON
   `{"ma_lien_thong_co_so_kham_chua_benh": user, "password": password}` answers `{"token": "..."}`.
2. `POST {base}/api/v1/gui-don-thuoc` with `Authorization: Bearer <token>` and the prescription JSON
   (build_payload) answers 200 `{"ma_don_thuoc": "<14 characters>"}`; a 4xx carries
   `{"message": "..."}` in Vietnamese. A 401 means the token expired: log in again once and resend.
3. Dates are dd/mm/yyyy; sex is 2 for male and 3 for female (as the integrations send it).
"""

from __future__ import annotations

from typing import Any

import httpx
from django.utils.translation import gettext as _

from ..fhirutil import BHYT_SYSTEM, CCCD_SYSTEM, identifier_value, patient_name, vn_date
from .gateway import CODE_RE, EPrescriptionError

LOGIN_PATH = "/api/auth/dang-nhap-co-so-kham-chua-benh"
SUBMIT_PATH = "/api/v1/gui-don-thuoc"
SEX = {"male": 2, "female": 3}


class HttpGateway:
    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._token = ""

    def _login(self) -> str:
        try:
            response = self._client.post(LOGIN_PATH, json={"ma_lien_thong_co_so_kham_chua_benh": self.username,
                                                           "password": self.password})
        except httpx.HTTPError as exc:
            raise EPrescriptionError(_("Không kết nối được hệ thống đơn thuốc quốc gia."), retryable=True) from exc
        if response.status_code != 200:
            raise EPrescriptionError(_("Hệ thống đơn thuốc quốc gia từ chối đăng nhập của cơ sở."))
        token = str(response.json().get("token", ""))
        if not token:
            raise EPrescriptionError(_("Hệ thống đơn thuốc quốc gia không cấp mã truy cập."))
        self._token = token
        return token

    def submit(self, payload: dict[str, Any]) -> str:
        token = self._token or self._login()
        for attempt in range(2):
            try:
                response = self._client.post(SUBMIT_PATH, json=payload, headers={"Authorization": f"Bearer {token}"})
            except httpx.HTTPError as exc:
                raise EPrescriptionError(_("Không kết nối được hệ thống đơn thuốc quốc gia."), retryable=True) from exc
            if response.status_code == 401 and attempt == 0:
                token = self._login()
                continue
            break
        if response.status_code >= 500:
            raise EPrescriptionError(_("Hệ thống đơn thuốc quốc gia đang lỗi, hãy gửi lại sau."), retryable=True)
        body = _json(response)
        if response.status_code != 200:
            reason = str(body.get("message", "")) or f"HTTP {response.status_code}"
            raise EPrescriptionError(_("Hệ thống đơn thuốc quốc gia từ chối đơn: %(reason)s") % {"reason": reason})
        code = str(body.get("ma_don_thuoc", ""))
        if not CODE_RE.match(code):
            raise EPrescriptionError(_("Hệ thống đơn thuốc quốc gia trả về mã đơn không hợp lệ."))
        return code


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def build_payload(patient: dict[str, Any], requests: list[dict[str, Any]], conditions: list[dict[str, Any]], *,
                  facility_code: str, prescriber: dict[str, str], group: str, weight_kg: str = "") -> dict[str, Any]:
    """The prescription as the national system's JSON: patient, diagnoses, and one line per drug."""
    address = next((a.get("text", "") for a in patient.get("address") or ()), "")
    lines = []
    for r in requests:
        med = r.get("medicationCodeableConcept") or {}
        dose = (r.get("dosageInstruction") or [{}])[0]
        lines.append({
            "ma_thuoc": next((c.get("code", "") for c in med.get("coding") or ()), ""),
            "ten_thuoc": med.get("text", ""),
            "so_luong": (r.get("dispenseRequest") or {}).get("quantity", {}).get("value"),
            "don_vi_tinh": (r.get("dispenseRequest") or {}).get("quantity", {}).get("unit", ""),
            "cach_dung": dose.get("text", ""),
            "so_ngay": (r.get("dispenseRequest") or {}).get("expectedSupplyDuration", {}).get("value"),
        })
    return {
        "loai_don_thuoc": "c",  # c: ordinary prescription (n: narcotic, h: psychotropic, y: traditional)
        "ma_co_so": facility_code,
        "so_don_noi_bo": group,
        "ho_ten_benh_nhan": patient_name(patient),
        "ngay_sinh_benh_nhan": vn_date(patient.get("birthDate")),
        "gioi_tinh": SEX.get(patient.get("gender", ""), 1),
        "ma_dinh_danh_cong_dan": identifier_value(patient, CCCD_SYSTEM),
        "ma_so_the_bao_hiem_y_te": identifier_value(patient, BHYT_SYSTEM),
        "dia_chi": address,
        "can_nang": weight_kg,
        "chan_doan": [{"ma_chan_doan": next((c.get("code", "") for c in (cond.get("code") or {}).get("coding") or ()), ""),
                       "ten_chan_doan": (cond.get("code") or {}).get("text", "")} for cond in conditions],
        "ngay_ke_don": vn_date((requests[0] if requests else {}).get("authoredOn")),
        "ho_ten_bac_si": prescriber.get("name", ""),
        "ma_lien_thong_bac_si": prescriber.get("licence", ""),
        "thong_tin_don_thuoc": lines,
    }
