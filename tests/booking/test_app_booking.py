"""Booking in the patient app: facility → service → doctor → slot, confirm, move, cancel, the queue number after
check-in, and nobody reaching another person's booking by changing an id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from benhan.booking.models import Booking, Reminder, Slot
from benhan.booking.services import check_in
from benhan.core.events import patient_event
from benhan.fhir.models import AuditRow
from benhan.jobs.models import Job
from benhan.jobs.worker import Worker
from benhan.portal.models import ProxyGrant

from .app_support import AN_PHONE, BICH_PHONE, AppWorld

# Today's slots must lie ahead whatever the hour (app_support.mid_morning).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_morning")]


def _today_slots(world: AppWorld) -> list[Slot]:
    from benhan.booking.services import free_slots

    today = timezone.localdate()
    return [s for s in free_slots(world.facility, world.department, today, today)]


def _book(client: Any, world: AppWorld, opened: Any, slot: Slot) -> Booking:
    base = f"/app/ho-so/{opened.profile.pk}/lich-hen/dat/"
    page = client.get(base).content.decode()
    assert world.facility.name in page
    page = client.get(f"{base}?co-so={world.facility.code}").content.decode()
    assert "Khoa Khám bệnh" in page
    page = client.get(f"{base}?co-so={world.facility.code}&khoa={world.department.pk}").content.decode()
    assert "Trần Thị Lan" in page and f'value="{slot.pk}"' in page
    response = client.post(base, {"co-so": world.facility.code, "khoa": world.department.pk, "slot": slot.pk})
    assert response.status_code == 302, response.content[:400]
    booking = Booking.objects.get(patient_id__in=opened.patient_ids, status="booked", slot=slot)
    assert response["Location"] == f"/app/ho-so/{opened.profile.pk}/lich-hen/{booking.pk}/"
    return booking


def test_a_patient_books_a_free_slot_in_the_app_and_the_appointment_is_written_as_the_patient(app_world, phone) -> None:
    client = phone(AN_PHONE)
    slot = _today_slots(app_world)[0]
    booking = _book(client, app_world, app_world.an_opened, slot)
    assert booking.channel == "online" and booking.patient_id == app_world.an
    appointment = app_world.repo.read("Appointment", booking.appointment_id).json()
    assert appointment["status"] == "booked" and appointment["participant"][0]["actor"]["reference"] == f"Patient/{app_world.an}"
    assert AuditRow.objects.filter(actor_kind="patient", resource_type="Appointment", interaction="create",
                                   resource_id=booking.appointment_id).exists()
    listing = client.get(f"/app/ho-so/{app_world.an_opened.profile.pk}/lich-hen/").content.decode()
    assert "Phòng khám Nội 1" in listing and "Đã đặt" in listing


def test_after_check_in_the_patient_sees_the_queue_number_and_the_room(app_world, phone) -> None:
    client = phone(AN_PHONE)
    booking = _book(client, app_world, app_world.an_opened, _today_slots(app_world)[0])
    checked = check_in(app_world.repo, booking)
    page = client.get(f"/app/ho-so/{app_world.an_opened.profile.pk}/lich-hen/{booking.pk}/").content.decode()
    assert f'data-testid="queue-number">{checked.queue_number}<' in page
    assert 'data-testid="room">Phòng khám Nội 1<' in page and "Đã tiếp đón" in page


def test_a_patient_moves_then_cancels_a_booking_and_the_seats_follow(app_world, phone) -> None:
    client = phone(AN_PHONE)
    first, second = _today_slots(app_world)[:2]
    booking = _book(client, app_world, app_world.an_opened, first)
    base = f"/app/ho-so/{app_world.an_opened.profile.pk}/lich-hen/"
    assert "Chọn khung giờ mới" in client.get(f"{base}dat/?doi={booking.pk}").content.decode()
    response = client.post(f"{base}dat/", {"doi": booking.pk, "khoa": app_world.department.pk, "slot": second.pk})
    assert response.status_code == 302
    booking.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert booking.slot_id == second.pk and (first.booked, second.booked) == (0, 1)
    assert client.post(f"{base}{booking.pk}/huy/").status_code == 302
    booking.refresh_from_db()
    second.refresh_from_db()
    assert booking.status == "cancelled" and second.booked == 0
    assert app_world.repo.read("Appointment", booking.appointment_id).json()["status"] == "cancelled"


def test_another_persons_booking_cannot_be_seen_moved_or_cancelled_by_changing_the_id(app_world, phone) -> None:
    from benhan.booking.services import book

    slot = _today_slots(app_world)[0]
    theirs = book(app_world.repo, app_world.bich, slot, "phone")
    client = phone(AN_PHONE)
    mine = f"/app/ho-so/{app_world.an_opened.profile.pk}/lich-hen/"
    assert client.get(f"{mine}{theirs.pk}/").status_code == 404
    assert client.post(f"{mine}{theirs.pk}/huy/").status_code == 404
    assert client.get(f"{mine}dat/?doi={theirs.pk}").status_code == 404
    assert client.post(f"{mine}dat/", {"doi": theirs.pk, "slot": slot.pk}).status_code == 404
    assert client.get(f"/app/lich-hen/{theirs.pk}/").status_code == 404
    # Their profile id in the URL is not this phone's either.
    assert client.get(f"/app/ho-so/{app_world.bich_opened.profile.pk}/lich-hen/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "booked" and theirs.slot_id == slot.pk


def test_a_family_member_with_results_only_cannot_book(app_world, phone) -> None:
    ProxyGrant.objects.create(profile=app_world.an_opened.profile, grantee_phone=BICH_PHONE,
                              scope=ProxyGrant.Scope.RESULTS, expires=timezone.now() + timedelta(days=3))
    client = phone(BICH_PHONE)
    assert client.get(f"/app/ho-so/{app_world.an_opened.profile.pk}/lich-hen/dat/").status_code == 404


def test_a_family_member_with_full_access_books_for_the_profile(app_world, phone) -> None:
    ProxyGrant.objects.create(profile=app_world.an_opened.profile, grantee_phone=BICH_PHONE,
                              scope=ProxyGrant.Scope.RECORDS, expires=timezone.now() + timedelta(days=3))
    booking = _book(phone(BICH_PHONE), app_world, app_world.an_opened, _today_slots(app_world)[0])
    assert booking.patient_id == app_world.an


def test_a_reminder_link_opens_the_booking_in_the_profile_that_holds_it(app_world, phone) -> None:
    client = phone(AN_PHONE)
    booking = _book(client, app_world, app_world.an_opened, _today_slots(app_world)[0])
    response = client.get(f"/app/lich-hen/{booking.pk}/")
    assert response["Location"] == f"/app/ho-so/{app_world.an_opened.profile.pk}/lich-hen/{booking.pk}/"


def test_the_reminder_job_emits_one_appointment_reminder_per_appointment(app_world, settings) -> None:
    from benhan.booking.services import book

    settings.BOOKING_REMINDER_HOURS = 48  # the slot is within the lead time: the reminder is due now
    received: list[dict[str, Any]] = []

    def listen(sender: str, **kwargs: Any) -> None:
        received.append(kwargs)
    patient_event.connect(listen)
    try:
        booking = book(app_world.repo, app_world.an, _today_slots(app_world)[0], "online")
        job = Job.objects.get(kind="booking.reminder", payload__booking=booking.pk)
        Worker("t").run_one()
        Job.objects.create(kind=job.kind, payload=job.payload, run_after=timezone.now(), max_attempts=1)
        Worker("t").run_one()  # the same reminder again (a duplicate job): found, not emitted twice
    finally:
        patient_event.disconnect(listen)
    assert [r["kind"] for r in received] == ["appointment_reminder"]
    assert received[0]["patient"] == f"Patient/{app_world.an}" and received[0]["facility"] == "01001"
    assert received[0]["link"] == f"/app/lich-hen/{booking.pk}/"
    assert Reminder.objects.filter(booking=booking).count() == 1


def test_the_waiting_room_display_shows_the_number_being_seen_and_the_next(app_world, staff_client) -> None:
    from benhan.booking.services import book

    slots = _today_slots(app_world)
    check_in(app_world.repo, book(app_world.repo, app_world.an, slots[0]))
    check_in(app_world.repo, book(app_world.repo, app_world.bich, slots[0]))
    page = staff_client(app_world.nurse).get("/ui/lich-hen/man-hinh-cho/")
    assert page.status_code == 200 and 'http-equiv="refresh"' in page.content.decode()
    html = page.content.decode()
    assert 'data-testid="waiting">1 · 2<' in html and "Phòng khám Nội 1" in html


def test_the_app_offers_one_day_of_slots_at_a_time_and_books_on_the_day_chosen(app_world, phone) -> None:
    from benhan.booking.models import Holiday
    from benhan.booking.services import free_days, free_slots

    today = timezone.localdate()
    closed = today + timedelta(days=2)
    Holiday.objects.create(facility=app_world.facility, day=closed, name="Nghỉ lễ")
    days = free_days(app_world.facility, app_world.department, today + timedelta(days=1), today + timedelta(days=3))
    assert days == [today + timedelta(days=1), today + timedelta(days=3)]
    tomorrow = days[0]
    client = phone(AN_PHONE)
    base = f"/app/ho-so/{app_world.an_opened.profile.pk}/lich-hen/dat/"
    query = f"?co-so=01001&khoa={app_world.department.pk}&ngay={tomorrow.isoformat()}"
    page = client.get(base + query).content.decode()
    slot = free_slots(app_world.facility, app_world.department, tomorrow, tomorrow)[0]
    assert f'value="{slot.pk}"' in page and page.count('name="slot"') == 95  # tomorrow's slots only, 00:00–23:30
    assert f"ngay={closed.isoformat()}" not in page  # the closed day has no tab
    response = client.post(base, {"co-so": "01001", "khoa": app_world.department.pk, "ngay": tomorrow.isoformat(),
                                  "slot": slot.pk})
    assert response.status_code == 302
    assert Booking.objects.get(patient_id=app_world.an).slot == slot


def test_the_booking_pages_read_in_english_when_the_patient_chooses_english(app_world, phone, settings) -> None:
    client = phone(AN_PHONE)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/app/ho-so/{app_world.an_opened.profile.pk}/lich-hen/dat/?co-so=01001&khoa={app_world.department.pk}")
    html = page.content.decode()
    assert "Free slots" in html and "Any doctor" in html and "Confirm booking" in html
    assert "Khung giờ còn chỗ" not in html
