"""Patient-app booking, questions and feedback pages, and their staff queues: server time and page weight.

    .venv/bin/python benchmarks/engage.py [--bookings 60] [--questions 40] [--rounds 20] [--sqlite]

Builds a fresh database (PostgreSQL benhan_bench_engage_*, dropped at the end; or SQLite under var/): one
facility with a schedule every day (15-minute slots, 00:00–23:45, 2 seats), a patient with `--bookings` past
and future bookings and `--questions` answered question threads (one photo each), others' feedback. The
patient logs in through the real flow (SMS code from the local stand-in). Each page is fetched `--rounds`
times through Django's test client: p50/p95 ms and the weight (HTML + the app's CSS and JS), next to the
baseline of the page's own data function (the part that reads through the repository) in the same run.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from app import timed  # noqa: E402
from benchdb import run_in_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=60)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    run_in_database("engage", args.sqlite, lambda: run(args))


def run(args: argparse.Namespace) -> None:
    from datetime import timedelta

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from PIL import Image

    from benhan.accounts.actors import actor_for_user
    from benhan.booking import patient
    from benhan.booking.models import Slot
    from benhan.booking.services import book, free_days, free_slots
    from benhan.booking.slots import ensure_slots
    from benhan.feedback import figures
    from benhan.feedback import services as feedback
    from benhan.fhir.repository import Repository
    from benhan.portal.access import opened_profiles, repository_for
    from benhan.portal.models import Account
    from benhan.portal.pages import acting_actor
    from benhan.questions import services as questions
    from benhan.questions.photos import check_photo
    from tests.booking.app_support import AN_PHONE, build_world
    from tests.portal.sms_standin import API_KEY, running

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    world = build_world()
    today = timezone.localdate()
    ensure_slots(world.facility, today - timedelta(days=30), today + timedelta(days=14))
    slots = list(Slot.objects.filter(facility=world.facility.code).order_by("start"))
    step = max(1, len(slots) // max(1, args.bookings))
    for slot in slots[::step][:args.bookings]:
        book(world.repo, world.an, slot, "online", now=slot.start - timedelta(days=60))
    account = Account.objects.get(phone=AN_PHONE)
    (opened,) = opened_profiles(account)
    acting = Repository(acting_actor(account, opened, ["Communication"]), world.facility.code)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(buffer, "JPEG")
    photo = check_photo("da.jpg", buffer.getvalue())
    nurse = Repository(actor_for_user(world.nurse), world.facility.code)
    for i in range(args.questions):
        q = questions.ask(acting, account, world.facility, world.an, f"Câu hỏi {i}", "Tôi bị đau đầu.", [photo])
        questions.answer(nurse, q, world.nurse, "Anh hãy đo huyết áp.")
    for i in range(200):
        f = feedback.send(world.facility, "waiting", 1 + i % 5, f"Góp ý {i}", account=None, anonymous=True)
        if i % 2:
            feedback.respond(f, world.nurse, "Cảm ơn.")
    print(f"{len(slots)} slots, {args.bookings} bookings, {args.questions} threads, 200 feedback "
          f"({'SQLite' if args.sqlite else 'PostgreSQL'})")

    with running() as gateway:
        settings.PORTAL_SMS_URL, settings.PORTAL_SMS_API_KEY = gateway.url, API_KEY
        client = Client()
        client.post("/app/dang-nhap/", {"phone": AN_PHONE})
        client.post("/app/dang-nhap/ma/", {"code": gateway.last_code(AN_PHONE)})
    staff = Client()
    staff.force_login(world.nurse)
    reader = repository_for(account, opened)
    booking = patient.bookings_of(reader, opened.patient_ids)[0]
    question = questions.questions_of(opened.patient_ids)[0]
    first, last = patient.slot_window()
    base = f"/app/ho-so/{opened.profile.pk}/"
    assets = sum((ROOT / "benhan/portal/static/portal" / n).stat().st_size for n in ("app.css", "app.js"))
    pages = [
        ("bookings", client, f"{base}lich-hen/", lambda: patient.bookings_of(reader, opened.patient_ids)),
        ("free slots", client, f"{base}lich-hen/dat/?co-so=01001&khoa={world.department.pk}",
         lambda: free_slots(world.facility, world.department, first, first)
         and free_days(world.facility, world.department, first, last)),
        ("booking", client, f"{base}lich-hen/{booking.pk}/",
         lambda: patient.booking_of(reader, opened.patient_ids, booking.pk)),
        ("questions", client, f"{base}hoi-bac-si/",
         lambda: questions.subjects(reader, questions.questions_of(opened.patient_ids))),
        ("thread", client, f"{base}hoi-bac-si/{question.pk}/", lambda: questions.thread(reader, question)),
        ("feedback", client, "/app/gop-y/", lambda: feedback.sent_by(account)),
        ("staff queue", staff, "/ui/hoi-dap/?trang-thai=answered", lambda: questions.queue("01001", "answered")),
        ("staff fb", staff, "/ui/gop-y/", lambda: figures.response_times_by_month("01001", 3)),
    ]
    print(f"{'page':<12} {'p50 ms':>8} {'p95 ms':>8} {'KB':>6}   baseline (data function) p50/p95 ms")
    for label, who, url, baseline in pages:
        response = who.get(url)
        assert response.status_code == 200, (url, response.status_code)
        p50, p95 = timed(lambda who=who, url=url: who.get(url), args.rounds)
        b50, b95 = timed(baseline, args.rounds)
        weight = (len(response.content) + (assets if who is client else 0)) / 1024
        print(f"{label:<12} {p50:8.1f} {p95:8.1f} {weight:6.1f}   {b50:.1f}/{b95:.1f}")


if __name__ == "__main__":
    main()
