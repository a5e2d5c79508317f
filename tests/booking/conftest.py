from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from benhan.accounts.actors import actor_for_user
from benhan.accounts.models import Facility, User
from benhan.booking.models import ScheduleTemplate
from benhan.facilities.models import Department, Room
from benhan.facilities.structure import ensure_department, ensure_room
from benhan.fhir.repository import Repository
from tests.clinical.helpers import new_patient

from .app_support import app_world, mid_morning, phone, sms, staff_client  # noqa: F401

FACILITY = "01001"
OTHER = "01002"


@pytest.fixture
def facility(db: None) -> Facility:
    return Facility.objects.create(code=FACILITY, name="Bệnh viện Đa khoa Hoài Đức", kind=Facility.Kind.OTHER)


@pytest.fixture
def other_facility(db: None) -> Facility:
    return Facility.objects.create(code=OTHER, name="Trung tâm Y tế khu vực Đan Phượng", kind=Facility.Kind.REGIONAL_CENTER)


@pytest.fixture
def department(facility: Facility) -> Department:
    return ensure_department(facility, "KB", "Khoa Khám bệnh")


@pytest.fixture
def room(department: Department) -> Room:
    return ensure_room(department, "P101", "Phòng khám Nội 1")


@pytest.fixture
def room2(department: Department) -> Room:
    return ensure_room(department, "P102", "Phòng khám Nội 2")


def make_user(facility: Facility, username: str, role: str) -> User:
    return User.objects.create(username=username, facility=facility, role=role, first_name="Hoa", last_name="Lê Thị")


@pytest.fixture
def receptionist(facility: Facility) -> User:
    return make_user(facility, "td.hoa", User.Role.RECEPTIONIST)


@pytest.fixture
def repo(receptionist: User) -> Repository:
    return Repository(actor_for_user(receptionist), FACILITY)


@pytest.fixture
def patient_factory(repo: Repository):
    names = iter(["Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Phương",
                  "Đặng Văn Giang", "Bùi Thị Hạnh", "Đỗ Văn Khánh", "Hồ Thị Lan", "Ngô Văn Minh", "Dương Thị Nga"])

    def make() -> str:
        return str(new_patient(repo, name=next(names), birth="01/02/1970")["id"])
    return make


def template(facility: Facility, room: Room, weekday: int, start: time = time(7, 30), end: time = time(9, 0),
             minutes: int = 30, capacity: int = 2, **extra: Any) -> ScheduleTemplate:
    return ScheduleTemplate.objects.create(facility=facility, department=room.department, room=room, weekday=weekday,
                                           start=start, end=end, slot_minutes=minutes, capacity=capacity, **extra)


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The first date after `after` (default: a week from today) falling on weekday."""
    day = (after or timezone.localdate() + timedelta(days=7)) + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


@pytest.fixture
def client_for(db: None):
    """A test client logged in as the given staff member."""
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client
    return make
