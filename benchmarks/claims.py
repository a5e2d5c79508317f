"""Insurance claims generated and signed per second, for a month of a regional center's visits.

    .venv/bin/python benchmarks/claims.py [--visits 2000] [--sqlite]

Builds a fresh database (PostgreSQL benhan_bench_claims_*, dropped at the end; or SQLite under
var/ with --sqlite), a facility with catalogs, a doctor with a certificate from the facility CA,
and `--visits` finished outpatient visits in the shape the clinical workflows write (encounter,
two diagnoses, a lab order with two results, a prescription, a re-exam appointment). Then:

1. claim generation (record → tables → checks → stored claim), claims/s, SQL queries and FHIR
   searches per claim: one at a time (a sample), then the month as a batch (shared facility context,
   remembered catalog lookups), next to the baseline: one raw SQL SELECT of the same visits' rows;
2. the month's signed GIAMDINHHS envelope (XMLDSig RSA-SHA256), claims/s,
   next to the baseline: one raw RSA-SHA256 signature over the envelope bytes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchdb import drop_database, setup_database  # noqa: E402

RUN = uuid.uuid4().hex[:6]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    name = setup_database("claims", args.sqlite)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
    os.environ.setdefault("BENHAN_PKI_DIR", str(ROOT / "var" / f"bench-pki-{RUN}"))
    import django

    django.setup()
    try:
        run(args.visits)
    finally:
        drop_database(name, args.sqlite)


def run(visits: int) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from benhan.accounts.models import Facility, User
    from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate
    from benhan.facilities.models import Department, Room
    from benhan.fhir.access import Actor
    from benhan.fhir.repository import Repository
    from benhan.insurance import claims
    from benhan.insurance.models import Claim
    from benhan.vn.models import Drug, Icd10, TechnicalService

    settings.BENHAN_PKI_DIR = os.environ["BENHAN_PKI_DIR"]
    settings.BHYT_HEAD_OF_UNIT = {"79002": "000001/HCM-CCHN"}
    facility = Facility.objects.create(code="79002", name="Trung tâm Y tế khu vực Bình Chánh", kind="regional_center")
    kb = Department.objects.create(facility=facility, code="KB", name="Khoa Khám bệnh", bhyt_code="K01")
    Room.objects.create(department=kb, code="PK1", name="Phòng khám 1")
    for code, title in (("I10", "Tăng huyết áp vô căn"), ("E11", "Đái tháo đường type 2")):
        Icd10.objects.create(code=code, name=title)
    Drug.objects.create(code="AMLO5", name="Amlodipin 5mg", active_ingredient="Amlodipin", unit="viên",
                        price=Decimal(1250), bhyt_group="4")
    TechnicalService.objects.create(code="02.1896", name="Khám Nội", bhyt_group="13", price=Decimal(38700),
                                    bhyt_price=Decimal(38700))
    TechnicalService.objects.create(code="XN-SHM", name="Sinh hoá máu", bhyt_group="1", price=Decimal(120000),
                                    bhyt_price=Decimal(100000))
    doctor = User.objects.create(username="bs.bench", facility=facility, role="doctor", first_name="An",
                                 last_name="Nguyễn Văn", licence_number="000777/HCM-CCHN", practitioner_id="bs-bench")
    init_facility_ca(facility)
    issue_user_certificate(doctor)
    repo = Repository(Actor.system("bench"), facility.code)

    print(f"making {visits} finished visits ...", flush=True)
    t0 = time.perf_counter()
    from django.db import transaction

    encounter_ids: list[str] = []
    for first in range(0, visits, 50):  # 50 visits a transaction: setup speed, not what is measured
        with transaction.atomic():
            encounter_ids += [make_visit(repo, i) for i in range(first, min(first + 50, visits))]
    print(f"  {visits / (time.perf_counter() - t0):,.0f} visits/s written (setup, not measured)")

    # Per-claim cost first (each claim looks its facility and catalogs up afresh, as a lone `generate`
    # does), on a sample; then the whole month as the desk and `benhan bhyt generate` run it: one
    # context per batch, catalog lookups remembered. Queries and FHIR searches are counted per claim.
    sample = encounter_ids[: min(100, visits)]
    lone_s, lone_queries, lone_searches, _st = measure(repo, sample, batch=False)
    print(f"claim generation, one at a time: {len(sample) / lone_s:,.1f} claims/s "
          f"({lone_queries:.1f} SQL queries, {lone_searches:.1f} FHIR searches per claim; sample of {len(sample)})")
    profile = os.environ.get("BENHAN_BENCH_PROFILE")
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    generate_s, queries, searches, statuses = measure(repo, encounter_ids, batch=True)
    if profile:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT content FROM fhir_resource WHERE tenant = %s", [facility.code])
        rows = cur.fetchall()
    raw_s = time.perf_counter() - t0
    print(f"claim generation, batch: {visits / generate_s:,.1f} claims/s ({generate_s * 1000 / visits:.1f} ms each, "
          f"{queries:.1f} SQL queries, {searches:.1f} FHIR searches per claim) {statuses}")
    print(f"  baseline, raw SELECT of all {len(rows):,} resource rows of those visits: {raw_s * 1000:.0f} ms "
          f"({visits / raw_s:,.0f} visits/s)")

    from datetime import date

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from benhan.documents.signing.credentials import active_credential, signer_for

    today = date.today()
    t0 = time.perf_counter()
    batch = claims.export_batch(facility, today.replace(day=1), today, doctor)
    sign_s = time.perf_counter() - t0
    key = signer_for(active_credential(doctor)).key  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    key.sign(batch.envelope, padding.PKCS1v15(), hashes.SHA256())
    raw_sign_s = time.perf_counter() - t0
    print(f"signed envelope of {len(batch.claims)} claims ({len(batch.envelope) / 1e6:.1f} MB): {sign_s:.2f} s, "
          f"{len(batch.claims) / sign_s:,.0f} claims/s")
    print(f"  baseline, one raw RSA-SHA256 signature over the same bytes: {raw_sign_s * 1000:.1f} ms")
    print(f"ready claims: {Claim.objects.filter(status=Claim.Status.READY).count()}")


def measure(repo, encounter_ids: list[str], *, batch: bool) -> tuple[float, float, float, dict[str, int]]:
    """Seconds for generating these claims, with SQL queries and FHIR searches per claim."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benhan.insurance import claims, episode

    searches = [0]
    real_search = episode.search

    def counting(*args, **kwargs):
        searches[0] += 1
        return real_search(*args, **kwargs)

    episode.search = counting
    statuses: dict[str, int] = {}
    try:
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            context = claims.claim_context(repo.facility, batch=True) if batch else None
            for encounter_id in encounter_ids:
                claim = claims.generate(repo, encounter_id, context)
                statuses[claim.status] = statuses.get(claim.status, 0) + 1
            elapsed = time.perf_counter() - t0
    finally:
        episode.search = real_search
    n = len(encounter_ids)
    return elapsed, len(captured.captured_queries) / n, searches[0] / n, statuses


def make_visit(repo, i: int) -> str:
    """One finished outpatient visit, in the shape benhan.clinical.workflows writes it."""
    from datetime import timedelta

    from django.utils import timezone

    from benhan.insurance.builder import CATEGORY_EXTENSION, RESULT_EXTENSION

    day = timezone.localtime().replace(day=1, hour=7, minute=0, second=0, microsecond=0) + timedelta(minutes=i % 600)
    start, end = day.isoformat(timespec="seconds"), (day + timedelta(minutes=45)).isoformat(timespec="seconds")
    doc = {"reference": "Practitioner/bs-bench", "display": "Nguyễn Văn An"}
    with repo.atomic():
        patient = repo.create({
            "resourceType": "Patient", "name": [{"text": f"Bệnh nhân {i}"}], "gender": "female" if i % 2 else "male",
            "birthDate": "1960-05-0" + str(1 + i % 9), "address": [{"text": "Xã Bình Chánh, TP Hồ Chí Minh"}],
            "identifier": [{"system": "https://benhan.vn/fhir/sid/mrn/79002", "value": f"BN{i:06d}"}],
        })
        repo.create({"resourceType": "Coverage", "status": "active", "subscriberId": f"GD479{i:010d}",
                     "beneficiary": {"reference": f"Patient/{patient.id}"}, "payor": [{"display": "BHXH"}],
                     "period": {"start": "2026-01-01", "end": "2026-12-31"}})
        encounter_id = str(uuid.uuid4())
        conditions = []
        for code, title in (("I10", "Tăng huyết áp vô căn"), ("E11", "Đái tháo đường type 2")):
            conditions.append(repo.create({
                "resourceType": "Condition", "subject": {"reference": f"Patient/{patient.id}"},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code, "display": title}]},
                "encounter": {"reference": f"Encounter/{encounter_id}"}, "recorder": doc}).id)
        repo.update({
            "resourceType": "Encounter", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": {"reference": f"Patient/{patient.id}"}, "period": {"start": start, "end": end},
            "location": [{"location": {"identifier": {"system": "https://benhan.vn/fhir/sid/vi-tri", "value": "PK1"}}}],
            "diagnosis": [{"condition": {"reference": f"Condition/{c}"}, "rank": r} for r, c in enumerate(conditions, 1)],
            "hospitalization": {"dischargeDisposition": {"coding": [{"code": "home"}]}},
            "extension": [{"url": RESULT_EXTENSION, "valueCoding": {"code": "2"}},
                          {"url": CATEGORY_EXTENSION, "valueCoding": {"code": "1.1"}}],
        }, encounter_id)
        order = repo.create({
            "resourceType": "ServiceRequest", "status": "completed", "intent": "order",
            "code": {"coding": [{"system": "https://benhan.vn/fhir/CodeSystem/dich-vu", "code": "XN-SHM"}]},
            "subject": {"reference": f"Patient/{patient.id}"}, "encounter": {"reference": f"Encounter/{encounter_id}"},
            "authoredOn": start, "requester": doc})
        for code, value in (("GLU", 6.1), ("CRE", 88)):
            repo.create({"resourceType": "Observation", "status": "final", "issued": start,
                         "code": {"coding": [{"system": "https://benhan.vn/fhir/CodeSystem/xet-nghiem", "code": code}]},
                         "subject": {"reference": f"Patient/{patient.id}"},
                         "encounter": {"reference": f"Encounter/{encounter_id}"},
                         "basedOn": [{"reference": f"ServiceRequest/{order.id}"}], "valueQuantity": {"value": value}})
        repo.create({
            "resourceType": "MedicationRequest", "status": "active", "intent": "order", "authoredOn": start,
            "medicationCodeableConcept": {"coding": [{"system": "https://benhan.vn/fhir/CodeSystem/thuoc", "code": "AMLO5"}]},
            "subject": {"reference": f"Patient/{patient.id}"}, "encounter": {"reference": f"Encounter/{encounter_id}"},
            "requester": doc, "dosageInstruction": [{"text": "Uống 1 viên/lần, 1 lần/ngày"}],
            "dispenseRequest": {"quantity": {"value": 30, "unit": "viên"}}})
    return encounter_id


if __name__ == "__main__":
    main()
