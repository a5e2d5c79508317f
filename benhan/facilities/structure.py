"""Reading and building a facility's structure (departments, rooms, beds) as plain functions."""

from __future__ import annotations

from django.db.models import Count

from benhan.accounts.models import Facility

from .models import Bed, Department, Room


def facility_counts(facility: Facility) -> dict[str, int]:
    return {
        "departments": Department.objects.filter(facility=facility, active=True).count(),
        "rooms": Room.objects.filter(department__facility=facility, active=True).count(),
        "beds": Bed.objects.filter(room__department__facility=facility, active=True).count(),
        "staff": facility.staff.filter(is_active=True).count(),
    }


def departments_with_counts(facility: Facility) -> list[Department]:
    return list(
        Department.objects.filter(facility=facility)
        .annotate(room_count=Count("rooms", distinct=True), bed_count=Count("rooms__beds", distinct=True))
        .order_by("code")
    )


def ensure_department(facility: Facility, code: str, name: str, *, kind: str = Department.Kind.CLINICAL,
                      bhyt_code: str = "", inpatient: bool = False) -> Department:
    dept, _ = Department.objects.update_or_create(
        facility=facility, code=code,
        defaults={"name": name, "kind": kind, "bhyt_code": bhyt_code, "inpatient": inpatient},
    )
    return dept


def ensure_room(department: Department, code: str, name: str, *, kind: str = Room.Kind.EXAM) -> Room:
    room, _ = Room.objects.update_or_create(department=department, code=code, defaults={"name": name, "kind": kind})
    return room


def ensure_beds(room: Room, count: int, *, prefix: str = "H") -> list[Bed]:
    """Beds H001…Hnnn in a room; existing ones are kept, so calling twice adds nothing."""
    beds = []
    for i in range(1, count + 1):
        bed, _ = Bed.objects.get_or_create(room=room, code=f"{prefix}{i:03d}")
        beds.append(bed)
    return beds
