"""SMART-on-FHIR scopes for django-oauth-toolkit."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes

SMART_SCOPES: dict[str, str] = {
    "openid": "OpenID Connect",
    "fhirUser": "Người dùng FHIR",
    "launch/patient": "Chọn hồ sơ bệnh nhân khi khởi chạy",
    "offline_access": "Truy cập khi không trực tuyến (refresh token)",
    "online_access": "Truy cập trong phiên",
    "system/*.read": "Hệ thống: đọc mọi tài nguyên",
    "system/*.write": "Hệ thống: ghi mọi tài nguyên",
    "system/*.*": "Hệ thống: đọc và ghi mọi tài nguyên",
    "user/*.read": "Nhân viên: đọc",
    "user/*.write": "Nhân viên: ghi",
    "user/*.*": "Nhân viên: đọc và ghi",
    "patient/*.read": "Bệnh nhân: đọc hồ sơ của mình",
    "patient/*.rs": "Bệnh nhân: đọc và tìm trong hồ sơ của mình",
}


class SmartScopes(BaseScopes):
    """Known scopes, plus any well-formed per-type SMART scope (e.g. `system/Patient.write`)."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(SMART_SCOPES)

    def get_available_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        allowed = getattr(getattr(application, "benhan_profile", None), "allowed_scopes", "")
        if allowed:
            return allowed.split()
        return list(SMART_SCOPES)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        return []
