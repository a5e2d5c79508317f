"""Feedback: named and anonymous (nothing linking it to the sender), staff triage, respond and close within
their facility, and the response-time figures for the dashboards."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from benhan.feedback import figures, services
from benhan.feedback.models import Feedback
from benhan.portal.models import Account
from tests.booking.app_support import AN_PHONE, AppWorld

pytestmark = pytest.mark.django_db


def _send(client, world: AppWorld, **extra: str):
    return client.post("/app/gop-y/", {"facility": world.facility.code, "category": "waiting", "rating": "2",
                                       "text": "Chờ lấy số quá lâu.", **extra})


def test_named_feedback_keeps_the_sender_and_shows_them_the_response(app_world, phone, staff_client) -> None:
    client = phone(AN_PHONE)
    assert _send(client, app_world).status_code == 200
    feedback = Feedback.objects.get()
    assert feedback.account == Account.objects.get(phone=AN_PHONE) and not feedback.anonymous
    assert (feedback.category, feedback.rating, feedback.status) == ("waiting", 2, "new")
    staff = staff_client(app_world.nurse)
    staff.post(f"/ui/gop-y/{feedback.pk}/xu-ly/", {"action": "triage", "assigned_to": "Khoa Khám bệnh"})
    staff.post(f"/ui/gop-y/{feedback.pk}/xu-ly/", {"action": "respond", "response": "Đã thêm một quầy lấy số."})
    feedback.refresh_from_db()
    assert feedback.status == "responded" and feedback.assigned_to == "Khoa Khám bệnh" and feedback.responded_at
    assert "Đã thêm một quầy lấy số." in client.get("/app/gop-y/").content.decode()
    staff.post(f"/ui/gop-y/{feedback.pk}/xu-ly/", {"action": "close"})
    feedback.refresh_from_db()
    assert feedback.status == "closed" and feedback.closed_at is not None


def test_anonymous_feedback_stores_nothing_that_points_to_the_sender(app_world, phone) -> None:
    client = phone(AN_PHONE)
    response = _send(client, app_world, anonymous="1")
    assert response.status_code == 200 and "ẩn danh" in response.content.decode()
    feedback = Feedback.objects.get()
    assert feedback.anonymous and feedback.account is None and feedback.patient_id == ""
    assert "Chờ lấy số" not in client.get("/app/gop-y/").content.decode()  # not findable again, even by them
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a linked anonymous row
        Feedback.objects.filter(pk=feedback.pk).update(account=Account.objects.get(phone=AN_PHONE))


def test_bad_feedback_is_refused_with_a_vietnamese_message_and_not_stored(app_world, phone) -> None:
    client = phone(AN_PHONE)
    assert "từ 1 đến 5 sao" in _send(client, app_world, rating="9").content.decode()
    assert _send(client, app_world, text="   ").status_code == 400
    assert not Feedback.objects.exists()


def test_staff_of_another_facility_cannot_see_or_act_on_feedback(app_world, staff_client) -> None:
    feedback = services.send(app_world.facility, "attitude", 1, "Nhân viên thiếu lịch sự.", account=None)
    other = staff_client(app_world.other_nurse)
    assert "thiếu lịch sự" not in other.get("/ui/gop-y/").content.decode()
    assert other.get(f"/ui/gop-y/{feedback.pk}/").status_code == 404
    assert other.post(f"/ui/gop-y/{feedback.pk}/xu-ly/", {"action": "close"}).status_code == 404
    feedback.refresh_from_db()
    assert feedback.status == "new"


def test_figures_count_by_status_and_give_median_and_p90_response_hours_per_month(app_world) -> None:
    tz = timezone.get_current_timezone()
    sent = datetime(2026, 3, 2, 8, 0, tzinfo=tz)
    for i, hours in enumerate([1, 2, 3, 4, 5, 6, 7, 8, 9, 40, None]):
        f = services.send(app_world.facility, "other", 3, f"Góp ý {i}", account=None)
        Feedback.objects.filter(pk=f.pk).update(created=sent, responded_at=sent + timedelta(hours=hours) if hours else None,
                                                status="responded" if hours else "new")
    services.send(app_world.other, "other", 5, "Nơi khác", account=None)
    march = figures.response_times(app_world.facility.code, 2026, 3)
    assert (march.received, march.responded, march.median_hours, march.p90_hours) == (11, 10, 5.5, 9.0)
    assert figures.counts_by_status(app_world.facility.code) == {"new": 1, "triaged": 0, "responded": 10, "closed": 0}
    assert figures.counts_by_status(app_world.facility.code, since=date(2026, 4, 1)) == {
        "new": 0, "triaged": 0, "responded": 0, "closed": 0}
    months = figures.response_times_by_month(app_world.facility.code, 3, today=date(2026, 4, 15))
    assert [(m.year, m.month, m.received) for m in months] == [(2026, 2, 0), (2026, 3, 11), (2026, 4, 0)]
    assert months[0].median_hours is None
