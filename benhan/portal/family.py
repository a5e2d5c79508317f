"""Family access: the holder of a profile lets another phone see it, scoped and until a date."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from .access import Opened
from .models import Account, ProxyGrant
from .phones import normalise

MAX_DAYS = 365


class FamilyError(Exception):
    pass


def grant_access(owner: Account, opened: Opened, phone: str, scope: str, days: int) -> ProxyGrant:
    if not opened.can_manage:
        raise FamilyError(_("Chỉ chủ hồ sơ mới được chia sẻ quyền xem."))
    grantee = normalise(phone)
    if not grantee:
        raise FamilyError(_("Số điện thoại không hợp lệ."))
    if grantee == owner.phone:
        raise FamilyError(_("Không thể chia sẻ cho chính số điện thoại của bạn."))
    if scope not in ProxyGrant.Scope.values:
        raise FamilyError(_("Phạm vi chia sẻ không hợp lệ."))
    if not 1 <= days <= MAX_DAYS:
        raise FamilyError(_("Thời hạn phải từ 1 đến 365 ngày."))
    return ProxyGrant.objects.create(profile=opened.profile, grantee_phone=grantee, scope=scope,
                                     expires=timezone.now() + timedelta(days=days))


def revoke_access(owner: Account, grant_id: int | str) -> None:
    """Only the account holding the profile revokes; from now on the other phone sees nothing of it."""
    updated = ProxyGrant.objects.filter(pk=grant_id, profile__account=owner, revoked__isnull=True).update(
        revoked=timezone.now())
    if not updated:
        raise FamilyError(_("Không tìm thấy quyền chia sẻ này."))


def grants_of(opened: Opened) -> list[ProxyGrant]:
    return list(opened.profile.grants.filter(revoked__isnull=True, expires__gt=timezone.now()).order_by("-created"))
