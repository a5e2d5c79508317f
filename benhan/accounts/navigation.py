"""The main navigation of the clinician UI, filtered by role.

Apps add their entries from `AppConfig.ready()`:

    from benhan.accounts.navigation import NavItem, register
    register(NavItem("clinical:worklist", _("Khám bệnh"), roles=("doctor", "nurse"), accesskey="k", order=20))
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import User


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: tuple[str, ...] = ()  # empty: every staff member
    accesskey: str = ""
    order: int = 50

    def visible_to(self, user: User) -> bool:
        return user.is_superuser or not self.roles or user.role in self.roles

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.url_name] = item


def items_for(user: User) -> list[tuple[NavItem, str]]:
    visible = sorted((i for i in _items.values() if i.visible_to(user)), key=lambda i: (i.order, i.url_name))
    return [(i, url) for i in visible if (url := i.url()) is not None]


ADMIN_ROLES = (User.Role.FACILITY_ADMIN,)
register(NavItem("core:home", _("Trang chủ"), accesskey="h", order=0))
register(NavItem("vn:catalogs", _("Danh mục"), accesskey="d", order=80))
register(NavItem("facilities:list", _("Cơ sở & khoa phòng"), roles=ADMIN_ROLES, accesskey="c", order=85))
register(NavItem("accounts:staff-list", _("Nhân viên"), roles=ADMIN_ROLES, accesskey="n", order=90))
