"""Staff pages under /ui/lich-hen/: the day's bookings with check-in, templates, closed days, queue display."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from benhan.booking.models import Booking, Holiday, ScheduleTemplate, Slot
from benhan.booking.services import book
from benhan.booking.slots import ensure_slots
from benhan.clinical.models import QueueTicket
from benhan.clinical.workflows.visits import call_next, start_outpatient_visit
from benhan.facilities.structure import ensure_department, ensure_room

from .conftest import make_user, template

DAY = "/ui/lich-hen/"


@pytest.fixture
def todays_booking(repo, facility, room, patient_factory) -> Booking:
    today = timezone.localdate()
    template(facility, room, weekday=today.weekday(), start=time(0, 0), end=time(0, 30))
    ensure_slots(facility, today, today)
    slot = Slot.objects.get()
    return book(repo, patient_factory(), slot, "online", now=slot.start - timedelta(days=1))


def test_the_day_page_lists_bookings_and_checks_one_in(receptionist, todays_booking, client_for) -> None:
    client = client_for(receptionist)
    page = client.get(DAY).content.decode()
    assert "Nguyễn Văn An" in page and "00:00" in page and "Trực tuyến" in page
    assert timezone.localdate().strftime("%d/%m/%Y") in page
    response = client.post(f"{DAY}{todays_booking.pk}/tiep-don/")
    assert response.status_code == 302
    todays_booking.refresh_from_db()
    assert todays_booking.status == "checked-in" and todays_booking.queue_number == 1
    page = client.get(response["Location"]).content.decode()
    assert "Đã tiếp đón: số thứ tự 1 tại Phòng khám Nội 1." in page
    assert f"/ui/luot-kham/{todays_booking.encounter_id}/" in page and "100%" in page


def test_a_day_is_chosen_as_dd_mm_yyyy(receptionist, todays_booking, client_for) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = client_for(receptionist).get(DAY, {"ngay": tomorrow.strftime("%d/%m/%Y")}).content.decode()
    assert f"Lịch hẹn ngày {tomorrow:%d/%m/%Y}" in page and "Không có lịch hẹn trong ngày này." in page


def test_the_day_page_cancels_a_booking(receptionist, todays_booking, client_for) -> None:
    assert client_for(receptionist).post(f"{DAY}{todays_booking.pk}/huy/").status_code == 302
    todays_booking.refresh_from_db()
    assert todays_booking.status == "cancelled"


def test_staff_of_another_facility_cannot_see_check_in_or_cancel_the_booking(other_facility, todays_booking,
                                                                             client_for) -> None:
    client = client_for(make_user(other_facility, "td.khac", "receptionist"))
    assert "Nguyễn Văn An" not in client.get(DAY).content.decode()
    assert client.post(f"{DAY}{todays_booking.pk}/tiep-don/").status_code == 404
    assert client.post(f"{DAY}{todays_booking.pk}/huy/").status_code == 404
    todays_booking.refresh_from_db()
    assert todays_booking.status == "booked" and QueueTicket.objects.count() == 0


def test_the_admin_adds_a_template_and_a_holiday(facility, room, client_for) -> None:
    client = client_for(make_user(facility, "qt.son", "facility_admin"))
    assert "Chưa có mẫu lịch khám." in client.get(f"{DAY}mau-lich/").content.decode()
    form = {"department": room.department_id, "room": room.pk, "weekday": "0", "start": "07:30", "end": "11:30",
            "slot_minutes": "15", "capacity": "4"}
    assert client.post(f"{DAY}mau-lich/", form).status_code == 302
    made = ScheduleTemplate.objects.get()
    assert (made.facility, made.start, made.end, made.capacity) == (facility, time(7, 30), time(11, 30), 4)
    assert "Thứ Hai" in client.get(f"{DAY}mau-lich/").content.decode()
    assert client.post(f"{DAY}ngay-nghi/", {"day": "02/09/2099", "name": "Quốc khánh"}).status_code == 302
    assert Holiday.objects.get().day.isoformat() == "2099-09-02"
    page = client.get(f"{DAY}ngay-nghi/").content.decode()
    assert "02/09/2099" in page and "Quốc khánh" in page
    assert client.post(f"{DAY}ngay-nghi/", {"day": "02/09/2099"}).status_code == 200  # the same day twice
    assert client.post(f"{DAY}mau-lich/{made.pk}/tat/").status_code == 302
    made.refresh_from_db()
    assert made.active is False


def test_a_template_with_another_facilitys_room_or_a_reversed_time_is_refused(facility, room, other_facility,
                                                                            client_for) -> None:
    foreign = ensure_room(ensure_department(other_facility, "KB", "Khoa Khám bệnh"), "P201", "Phòng khám 201")
    client = client_for(make_user(facility, "qt.son", "facility_admin"))
    form = {"department": room.department_id, "room": foreign.pk, "weekday": "1", "start": "07:30", "end": "11:30",
            "slot_minutes": "15", "capacity": "4"}
    assert client.post(f"{DAY}mau-lich/", form).status_code == 200
    reversed_times = dict(form, room=room.pk, start="11:00", end="08:00")
    page = client.post(f"{DAY}mau-lich/", reversed_times).content.decode()
    assert "Giờ kết thúc phải sau giờ bắt đầu." in page
    assert ScheduleTemplate.objects.count() == 0


def test_front_desk_staff_cannot_edit_templates_and_admins_of_another_facility_see_only_theirs(
        facility, room, other_facility, receptionist, client_for) -> None:
    template(facility, room, weekday=3)
    assert client_for(receptionist).get(f"{DAY}mau-lich/").status_code == 403
    outsider = client_for(make_user(other_facility, "qt.khac", "facility_admin"))
    assert "Chưa có mẫu lịch khám." in outsider.get(f"{DAY}mau-lich/").content.decode()
    made = ScheduleTemplate.objects.get()
    assert outsider.post(f"{DAY}mau-lich/{made.pk}/tat/").status_code == 404


def test_the_queue_display_shows_each_rooms_current_and_waiting_numbers(repo, facility, room, room2, receptionist,
                                                                       patient_factory, client_for) -> None:
    for _i in range(3):
        start_outpatient_visit(repo, patient_factory(), room.code, room.name)
    call_next(facility.code, room.code)
    page = client_for(receptionist).get(f"{DAY}hang-doi/").content.decode()
    row = page.split('data-room="P101"')[1].split("</tr>")[0]
    assert "<b>1</b>" in row and "2, 3" in row
    empty = page.split('data-room="P102"')[1].split("</tr>")[0]
    assert "<b>—</b>" in empty

