"""SMART-on-FHIR scopes for django-oauth-toolkit."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes

from benhan.fhir.access import Scope

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


def normalise_scopes(scopes: list[str] | str) -> list[str]:
    """Split and de-duplicate; refuse a scope that is neither a SMART resource scope nor a known one."""
    words = scopes.split() if isinstance(scopes, str) else [w for s in scopes for w in s.split()]
    out: list[str] = []
    for word in words:
        if word not in SMART_SCOPES and Scope.parse(word) is None:
            raise ValueError(f"'{word}' is not a SMART scope")
        if word not in out:
            out.append(word)
    return out


def _permissions(scope: Scope, text: str) -> set[str]:
    """A scope's permissions in SMART v2 letters, so v1 and v2 scopes compare."""
    perm = text.rsplit(".", 1)[1]
    if perm == "*":
        return set("cruds")
    if perm == "read":
        return set("rs")
    if perm == "write":
        return set("cud")
    return set(perm)


def scope_covers(allowed: str, requested: str) -> bool:
    """Whether holding `allowed` entitles a client to `requested` (a narrower type or fewer rights)."""
    if allowed == requested:
        return True
    a, r = Scope.parse(allowed), Scope.parse(requested)
    if a is None or r is None or a.context != r.context:
        return False
    if a.resource_type not in ("*", r.resource_type):
        return False
    return _permissions(r, requested) <= _permissions(a, allowed)


def scopes_allowed(allowed: list[str], requested: list[str]) -> bool:
    return all(any(scope_covers(a, r) for a in allowed) for r in requested)


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
        # A client that asks for no scope gets everything its profile allows (SMART backend services
        # clients usually name their scopes; this keeps `curl -d grant_type=client_credentials` useful).
        allowed = getattr(getattr(application, "benhan_profile", None), "allowed_scopes", "")
        return allowed.split()
