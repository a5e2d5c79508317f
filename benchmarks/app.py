"""Patient app pages: server time and page weight for a patient with a long record at two facilities.

    .venv/bin/python benchmarks/app.py [--visits 200] [--signed 40] [--rounds 20] [--sqlite]

Builds a fresh database (PostgreSQL benhan_bench_app_*, dropped at the end; or SQLite under var/
with --sqlite): two facilities, one patient registered at both (same CCCD), `--visits` outpatient
visits split between them, `--signed` of them with a signed lab report (signed PDF). The patient
logs in through the real flow (SMS code from the local stand-in gateway) and links by CCCD. Then
each page is fetched `--rounds` times through Django's test client (no network): p50/p95 ms and
the HTML size, next to the baseline of the same page's one FHIR search through the repository.

Then, under load (skip with `--concurrent 0`): `--concurrent` patients (default 50), each with their
own record (visits, a signed result, a prescription) and a logged-in app session, hit a real
`benhan serve` (granian worker processes, `--server-workers`) over HTTP at once, each going through
the app's pages `--per-patient` times. p50/p95 per page next to the same-run baseline: the same
clients at the same concurrency fetching /app/sw.js, a Django view that touches no database.
Last, on the same server (skip with `--no-3g`): each page opened in headless Chromium on an emulated
slow 3G link, bytes transferred and time until usable, next to loopback (benchmarks/app_3g.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchdb import drop_database, setup_database  # noqa: E402


def timed(fn: object, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--signed", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--concurrent", type=int, default=50, help="patients at once against benhan serve (0: skip)")
    parser.add_argument("--per-patient", type=int, default=4, help="rounds through the app's pages per patient")
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--no-3g", action="store_true", help="skip the emulated slow-3G page loads in Chromium")
    args = parser.parse_args()
    name = setup_database("app", args.sqlite)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
    import tempfile

    import django

    django.setup()
    try:
        run(args, tempfile.mkdtemp(prefix="bench-app-pki-"))
    finally:
        drop_database(name, args.sqlite)


def run(args: argparse.Namespace, pki_dir: str) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from benhan.accounts.actors import actor_for_user
    from benhan.accounts.models import Facility, User
    from benhan.clinical.workflows.orders import enter_lab_results, place_orders, sign_report
    from benhan.clinical.workflows.registration import PatientInput, register_patient
    from benhan.clinical.workflows.visits import start_outpatient_visit
    from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate
    from benhan.fhir.repository import Repository
    from benhan.portal import records
    from benhan.portal.access import opened_profiles, repository_for
    from benhan.portal.models import Account
    from benhan.vn.models import LabTest, TechnicalService
    from tests.portal.sms_standin import API_KEY, running

    settings.ALLOWED_HOSTS = ["*"]
    settings.BENHAN_PKI_DIR = pki_dir
    settings.BENHAN_PKI_CA_KEY_BITS = 2048
    call_command("migrate", verbosity=0)
    regional = Facility.objects.create(code="79001", name="Trung tâm Y tế khu vực Thủ Đức")
    provincial = Facility.objects.create(code="79010", name="Bệnh viện Đa khoa tỉnh")
    TechnicalService.objects.create(code="XN-SHM", name="Sinh hoá máu", group="Xét nghiệm", bhyt_group="1")
    LabTest.objects.create(code="GLU", name="Glucose", unit="mmol/L", low_male=Decimal("3.9"), high_male=Decimal("6.4"),
                           service_code="XN-SHM")
    doctors = []
    for facility, username in ((regional, "bs.lan"), (provincial, "bs.hung")):
        doctor = User.objects.create(username=username, facility=facility, role=User.Role.DOCTOR, last_name="Bác sĩ")
        init_facility_ca(facility)
        issue_user_certificate(doctor)
        doctors.append((doctor, Repository(actor_for_user(doctor), facility.code)))
    technician = Repository(actor_for_user(User.objects.create(username="ktv", facility=regional,
                                                                role=User.Role.TECHNICIAN)), "79001")
    ids = [str(register_patient(repo, PatientInput(name="Nguyễn Văn Bình", birth_date="12/03/1968", gender="male",
                                                   cccd="079068012345", phone="0912345678"),
                                confirm_not_duplicate=True).patient["id"]) for _d, repo in doctors]
    started = time.perf_counter()
    for i in range(args.visits):
        doctor, repo = doctors[i % 2]
        encounter = start_outpatient_visit(repo, ids[i % 2], "P101").encounter["id"]
        if i % 2 == 0 and i // 2 < args.signed:
            (order,) = place_orders(repo, encounter, ["XN-SHM"])
            report = enter_lab_results(technician, order["id"], {"GLU": str(4 + i % 5)})
            sign_report(repo, doctor, report["id"])
    print(f"loaded {args.visits} visits, {min(args.signed, (args.visits + 1) // 2)} signed lab reports "
          f"in {time.perf_counter() - started:.1f} s ({'SQLite' if args.sqlite else 'PostgreSQL'})")

    with running() as gateway:
        settings.PORTAL_SMS_URL, settings.PORTAL_SMS_API_KEY = gateway.url, API_KEY
        client = Client()
        client.post("/app/dang-nhap/", {"phone": "0912345678"})
        client.post("/app/dang-nhap/ma/", {"code": gateway.last_code("0912345678")})
        client.post("/app/lien-ket/", {"method": "cccd", "cccd": "079068012345", "birth_date": "12/03/1968",
                                       "relation": "self"})
        client.post("/app/lien-ket/ma/", {"code": gateway.last_code("0912345678")})
    account = Account.objects.get(phone="0912345678")
    (opened,) = opened_profiles(account)
    repo = repository_for(account, opened)
    first = records.results(repo, opened.patient_ids)[0].id
    base = f"/app/ho-so/{opened.profile.pk}/"
    pages = [("timeline", base, lambda: records.visits(repo, opened.patient_ids)),
             ("results", f"{base}ket-qua/", lambda: records.results(repo, opened.patient_ids)),
             ("one result", f"{base}ket-qua/{first}/", lambda: records.result(repo, first)),
             ("papers", f"{base}giay-to/", lambda: records.papers(repo, opened.patient_ids)),
             ("who opened", f"{base}ai-da-xem/", lambda: records.who_opened(opened.patient_ids, f"app:{account.pk}"))]
    print(f"{'page':<12} {'p50 ms':>8} {'p95 ms':>8} {'HTML KB':>8}   baseline (records function) p50/p95 ms")
    for label, url, baseline in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        p50, p95 = timed(lambda url=url: client.get(url), args.rounds)
        b50, b95 = timed(baseline, args.rounds)
        print(f"{label:<12} {p50:8.1f} {p95:8.1f} {len(response.content) / 1024:8.1f}   {b50:.1f}/{b95:.1f}")
    if args.concurrent:
        from app_load import load_phase

        load_phase(args, regional, doctors[0], technician)


if __name__ == "__main__":
    main()
