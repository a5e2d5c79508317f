"""Staff management rules: which accounts a facility admin sees and may place staff in."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Facility, User


def managed_facilities(admin: User) -> QuerySet[Facility]:
    """A superuser manages every facility; a facility admin their own and those granted to them."""
    if admin.is_superuser:
        return Facility.objects.all()
    ids = set(admin.extra_facilities.values_list("id", flat=True))
    if admin.facility_id:
        ids.add(admin.facility_id)
    return Facility.objects.filter(id__in=ids)


def staff_visible_to(admin: User, query: str = "") -> QuerySet[User]:
    from benhan.vn.text import fold

    qs = User.objects.select_related("facility").order_by("facility__code", "last_name", "first_name")
    if not admin.is_superuser:
        qs = qs.filter(facility__in=managed_facilities(admin))
    users = qs
    if query:
        # Names are few per facility: fold in Python for accent-insensitive matching.
        key = fold(query)
        ids: list[int] = [u.id for u in qs if key in fold(f"{u.username} {u.last_name} {u.first_name} {u.licence_number}")]
        users = qs.filter(Q(pk__in=ids))
    return users


def may_manage(admin: User, staff: User) -> bool:
    if admin.is_superuser:
        return True
    return staff.facility_id is not None and managed_facilities(admin).filter(pk=staff.facility_id).exists()
