"""A facility with a bookable schedule, two patients with their own phones (the real SMS-code login), staff,
for the patient-app tests of booking, questions and feedback. Import the fixtures into a test module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
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
from benhan.portal.access import Opened
from tests.clinical.helpers import new_patient
from tests.portal.helpers import linked_account, log_in
from tests.portal.sms_standin import API_KEY, Gateway, running

AN_PHONE = "0911000111"
BICH_PHONE = "0922000222"
PASSWORD = "Mat-khau-nhan-vien-2026"


@dataclass
class AppWorld:
    facility: Facility
    other: Facility
    department: Department
    room: Room
    receptionist: User
    nurse: User
    doctor: User
    other_nurse: User
    repo: Repository  # the receptionist's
    an: str  # Patient ids
    bich: str
    an_opened: Opened
    bich_opened: Opened


@pytest.fixture
def sms(settings: Any) -> Iterator[Gateway]:
    with running() as gateway:
        settings.PORTAL_SMS_URL = gateway.url
        settings.PORTAL_SMS_API_KEY = API_KEY
        yield gateway


def _staff(facility: Facility, username: str, role: str, **extra: str) -> User:
    return User.objects.create_user(username, password=PASSWORD, facility=facility, role=role, first_name="Hoa",
                                    last_name="Lê Thị", **extra)


def build_world() -> AppWorld:
    facility = Facility.objects.create(code="01001", name="Bệnh viện Đa khoa Hoài Đức", kind=Facility.Kind.OTHER)
    other = Facility.objects.create(code="01002", name="Trung tâm Y tế Đan Phượng", kind=Facility.Kind.REGIONAL_CENTER)
    department = ensure_department(facility, "KB", "Khoa Khám bệnh")
    room = ensure_room(department, "P101", "Phòng khám Nội 1")
    receptionist = _staff(facility, "td.hoa", User.Role.RECEPTIONIST)
    nurse = _staff(facility, "dd.mai", User.Role.NURSE)
    doctor = User.objects.create(username="bs.lan", facility=facility, role=User.Role.DOCTOR, first_name="Lan",
                                 last_name="Trần Thị")
    other_nurse = _staff(other, "dd.cuc", User.Role.NURSE)
    for weekday in range(7):  # every day, so a test on any day finds today's and tomorrow's slots
        ScheduleTemplate.objects.create(facility=facility, department=department, room=room, doctor=doctor,
                                        weekday=weekday, start=time(0, 0), end=time(23, 45), slot_minutes=15,
                                        capacity=2)
    repo = Repository(actor_for_user(receptionist), facility.code)
    an = str(new_patient(repo, name="Nguyễn Văn An", birth="01/02/1970")["id"])
    bich = str(new_patient(repo, name="Trần Thị Bích", birth="03/04/1980", gender="female")["id"])
    _account, an_opened = linked_account(AN_PHONE, an, name="Nguyễn Văn An", birth="1970-02-01")
    _account, bich_opened = linked_account(BICH_PHONE, bich, name="Trần Thị Bích", birth="1980-04-03")
    return AppWorld(facility, other, department, room, receptionist, nurse, doctor, other_nurse, repo, an, bich,
                    an_opened, bich_opened)


@pytest.fixture
def mid_morning() -> Iterator[None]:
    """The clock at 09:00 tomorrow in the facility's time zone, running on from there. The world's
    schedule runs until 23:45, so today's slots lie ahead however late the suite runs: after 23:15 in
    Vietnam (16:15 UTC) fewer than two were left, and after 23:30 none to book and check in."""
    import time_machine

    start = datetime.combine(timezone.localdate() + timedelta(days=1), time(9, 0),
                             tzinfo=timezone.get_current_timezone())
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture
def app_world(db: None) -> AppWorld:
    return build_world()


@pytest.fixture
def phone(sms: Gateway) -> Callable[[str], Client]:
    """A client logged in to the patient app with the phone's SMS code."""
    def make(number: str) -> Client:
        client = Client()
        log_in(client, sms, number)
        return client
    return make


@pytest.fixture
def staff_client() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client
    return make
