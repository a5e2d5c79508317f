"""Clinical record: registration-to-signed-visit server time, and chart opening for a long record.

    .venv/bin/python benchmarks/emr.py [--database-url URL] [--visits 20] [--encounters 500] [--rounds 30]

Runs in a fresh database: a temporary SQLite file by default, or the PostgreSQL database named by
--database-url (its tables are dropped and re-created: use a scratch database).

1. Visit: --visits complete outpatient visits through the real views (Django test client, in process,
   so the time is the server's): register with the QR data and a room, vital signs, examination note,
   diagnosis, prescription, national code, sign the prescription, conclude (signs the visit record).
   Baseline in the same run: the same FHIR resources written by raw SQL INSERTs (no validation,
   policy, audit, index, PDF or signature) — what storage alone costs.
2. Chart: a patient with --encounters encounters (each with a diagnosis, a blood pressure and a
   prescription line: 4 resources per encounter), p50/p95 over --rounds of (a) open_chart (the
   workflow: audit row, 9 sections, 20 items each) and (b) the chart page over HTTP (template
   included). Baseline: raw SQL fetching the same rows (one SELECT per section joining the index to
   the resources). Goal: chart open under 300 ms.
3. ICD-10 search over the Ministry's full-size list (12,218 codes, generated in the Ministry's layout by
   tests/vn/ministry_icd10.py, imported through the catalog import): p50/p95 of the search function
   and of the type-ahead lookup over HTTP, by code prefix and by Vietnamese words without accents.
   Baseline: the same WHERE clauses as one raw SQL SELECT.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QR = "079068012345||Nguyễn Văn Bình|12031968|Nam|12 Lê Lợi, phường Sài Gòn, TP. Hồ Chí Minh|01012022"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--encounters", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="benhan-bench-emr-"))
    os.environ["BENHAN_DATABASE_URL"] = args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ["BENHAN_VAR_DIR"] = str(scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.BENHAN_PKI_CA_KEY_BITS = 2048
    print(f"database: {connection.vendor}")
    doctor = setup()
    visit_benchmark(doctor, args.visits)
    chart_benchmark(doctor, args.encounters, args.rounds)
    icd_search_benchmark(doctor, args.rounds)


def setup() -> Any:
    from decimal import Decimal

    from benhan.accounts.models import Facility, User
    from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate
    from benhan.facilities.structure import ensure_department, ensure_room
    from benhan.vn.models import Drug, Icd10, LabTest, TechnicalService

    facility = Facility.objects.create(code="79001", name="Trung tâm Y tế khu vực Thủ Đức")
    ensure_room(ensure_department(facility, "KB", "Khoa Khám bệnh"), "P101", "Phòng khám Nội 1")
    Icd10.objects.create(code="I10", name="Tăng huyết áp vô căn (nguyên phát)")
    Drug.objects.create(code="AMLO5", name="Amlodipin 5mg", active_ingredient="Amlodipin", strength="5mg", unit="viên")
    TechnicalService.objects.create(code="XN-SHM", name="Sinh hoá máu", group="Xét nghiệm", bhyt_group="1")
    LabTest.objects.create(code="GLU", name="Glucose", unit="mmol/L", low_male=Decimal("3.9"), high_male=Decimal("6.4"),
                           service_code="XN-SHM")
    doctor = User.objects.create(username="bs.bench", first_name="Lan", last_name="Trần Thị", facility=facility,
                                 role=User.Role.DOCTOR, licence_number="000123/HCM-CCHN")
    init_facility_ca(facility)
    issue_user_certificate(doctor)
    return doctor


def visit_benchmark(doctor: Any, visits: int) -> None:
    import re

    from django.test import Client

    from benhan.clinical.workflows.registration import input_from_chip_qr
    from benhan.fhir.models import ResourceRow

    client = Client()
    client.force_login(doctor)
    steps: dict[str, list[float]] = {}
    totals: list[float] = []

    def timed(name: str, path: str, data: dict[str, str]) -> Any:
        t0 = time.perf_counter()
        response = client.post(path, data)
        steps.setdefault(name, []).append(time.perf_counter() - t0)
        assert response.status_code == 302, (name, response.status_code, response.content[:3000])
        return response

    card = input_from_chip_qr(QR)
    before = 0
    for n in range(visits + 1):
        if n == 1:  # the first visit warms imports, templates and fonts: not counted
            steps.clear()
            totals.clear()
            before = ResourceRow.objects.count()
        start = time.perf_counter()
        # A different person each time (another birth year), so no duplicate warning stops the run.
        response = timed("register + check-in", "/ui/nguoi-benh/dang-ky/", {
            "name": card.name, "birth_date": f"12/03/{1930 + n % 90}", "gender": "male",
            "bhyt": "HT4790123456789", "bhyt_valid_to": "31/12/2099", "room": "P101"})
        base = re.search(r"(/ui/luot-kham/[^/]+/)", response["Location"]).group(1)  # type: ignore[union-attr]
        timed("vital signs", base + "sinh-ton/", {"pulse": "82", "temperature": "37,2", "systolic": "150", "diastolic": "95"})
        timed("examination note", base + "ghi-chep/", {"kind": "exam", "text": "Tim đều, phổi không ran."})
        timed("diagnosis", base + "chan-doan/", {"main_diagnosis": "I10"})
        timed("prescription", base + "don-thuoc/", {"drug_0": "AMLO5", "dose_0": "1", "times_0": "1", "days_0": "30",
                                                    "route_0": "oral"})
        page = client.get(base).content.decode()
        group = re.search(r"/don-thuoc/([0-9a-f]+)/ky/", page).group(1)  # type: ignore[union-attr]
        timed("national code", base + f"don-thuoc/{group}/ma-quoc-gia/", {"national_code": f"79001{n:07d}-c"})
        timed("sign prescription", base + f"don-thuoc/{group}/ky/", {})
        timed("conclude + sign visit record", base + "ket-thuc/", {"outcome": "home", "conclusion": "Ổn định"})
        totals.append(time.perf_counter() - start)
    written = ResourceRow.objects.count() - before
    print(f"\n1. registration to signed visit, {visits} visits through the views ({written} resources written)")
    for name, values in steps.items():
        print(f"   {name:32s} p50 {ms(statistics.median(values)):>10s}  p95 {ms(pct(values, .95)):>10s}")
    print(f"   {'total per visit (server)':32s} p50 {ms(statistics.median(totals)):>10s}  p95 {ms(pct(totals, .95)):>10s}")
    baseline = raw_insert_baseline(written // visits, visits)
    print(f"   baseline: raw SQL INSERT of the same {written // visits} resources per visit: p50 {ms(baseline)}")


def raw_insert_baseline(per_visit: int, visits: int) -> float:
    """Insert copies of the visit's stored JSON with plain SQL (one transaction per visit)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from benhan.fhir.models import ResourceRow

    sample = list(ResourceRow.objects.order_by("-id").values_list("resource_type", "content")[:per_visit])
    durations = []
    for _ in range(visits):
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            for rtype, content in sample:
                rid = str(uuid.uuid4())
                cur.execute(
                    "INSERT INTO fhir_resource (resource_type, resource_id, version_id, last_updated, deleted, tenant, content)"
                    " VALUES (%s, %s, 1, %s, %s, %s, %s)", [f"Bench{rtype}", rid, timezone.now(), False, "bench", content])
        durations.append(time.perf_counter() - t0)
    return statistics.median(durations)


def chart_benchmark(doctor: Any, encounters: int, rounds: int) -> None:
    from django.db import connection
    from django.test import Client

    from benhan.accounts.actors import actor_for_user
    from benhan.clinical.models import ChartEntry
    from benhan.clinical.workflows import chart
    from benhan.clinical.workflows.registration import PatientInput, register_patient
    from benhan.fhir.repository import Repository

    repo = Repository(actor_for_user(doctor), "79001")
    patient = register_patient(repo, PatientInput("Lê Văn Dài", "01/01/1950", "male"), confirm_not_duplicate=True).patient
    load_long_record(repo, patient["id"], encounters)
    total = ChartEntry.objects.filter(patient_id=patient["id"]).count()
    opened = []
    chart.open_chart(repo, patient["id"])  # warm-up
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = chart.open_chart(repo, patient["id"])
        opened.append(time.perf_counter() - t0)
    assert result.sections["encounters"].total == encounters
    client = Client()
    client.force_login(doctor)
    page = []
    client.get(f"/ui/nguoi-benh/{patient['id']}/")  # warm-up: template compilation
    for _ in range(rounds):
        t0 = time.perf_counter()
        response = client.get(f"/ui/nguoi-benh/{patient['id']}/")
        page.append(time.perf_counter() - t0)
        assert response.status_code == 200
    raw = []
    sql = ("SELECT r.content FROM clinical_chartentry e JOIN fhir_resource r"
           " ON r.resource_type = e.resource_type AND r.resource_id = e.resource_id"
           " WHERE e.patient_id = %s AND e.resource_type = %s ORDER BY e.sort_date DESC LIMIT 20")
    for _ in range(rounds):
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            for rtype in ("Patient", "Encounter", "Condition", "MedicationRequest", "DiagnosticReport", "Observation",
                          "DocumentReference", "Composition", "AllergyIntolerance", "Appointment", "ServiceRequest"):
                cur.execute(sql, [patient["id"], rtype])
                cur.fetchall()
        raw.append(time.perf_counter() - t0)
    print(f"\n2. chart of a patient with {encounters} encounters ({total} indexed resources), {rounds} rounds")
    print(f"   open_chart (workflow, audited)   p50 {ms(statistics.median(opened)):>10s}  p95 {ms(pct(opened, .95)):>10s}")
    print(f"   chart page over HTTP             p50 {ms(statistics.median(page)):>10s}  p95 {ms(pct(page, .95)):>10s}")
    print(f"   baseline: raw SQL, same rows     p50 {ms(statistics.median(raw)):>10s}  p95 {ms(pct(raw, .95)):>10s}")
    verdict = "met" if pct(page, .95) < 0.3 else "NOT met"
    print(f"   goal: chart open < 300 ms (p95 of the page): {verdict}")


def load_long_record(repo: Any, patient_id: str, encounters: int) -> None:
    """Encounters with a diagnosis, a blood pressure and a prescription line each, through the bulk path."""
    from datetime import timedelta

    from django.utils import timezone

    from benhan.clinical.fhirutil import ACT_CODE, ICD10_SYSTEM, LOINC, OBS_CATEGORY

    resources: list[dict[str, Any]] = []
    ids: list[str | None] = []
    start = timezone.now() - timedelta(days=encounters * 7)
    subject = {"reference": f"Patient/{patient_id}"}
    for n in range(encounters):
        eid, cid = str(uuid.uuid4()), str(uuid.uuid4())
        when = (start + timedelta(days=n * 7)).isoformat(timespec="seconds")
        enc = {"reference": f"Encounter/{eid}"}
        resources += [
            {"resourceType": "Encounter", "status": "finished", "class": {"system": ACT_CODE, "code": "AMB"},
             "subject": subject, "period": {"start": when, "end": when},
             "diagnosis": [{"condition": {"reference": f"Condition/{cid}", "display": "I10 Tăng huyết áp"}, "rank": 1}]},
            {"resourceType": "Condition", "subject": subject, "encounter": enc, "recordedDate": when,
             "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                       "code": "encounter-diagnosis"}]}],
             "code": {"coding": [{"system": ICD10_SYSTEM, "code": "I10"}], "text": "Tăng huyết áp vô căn"}},
            {"resourceType": "Observation", "status": "final", "subject": subject, "encounter": enc,
             "effectiveDateTime": when, "category": [{"coding": [{"system": OBS_CATEGORY, "code": "vital-signs"}]}],
             "code": {"coding": [{"system": LOINC, "code": "85354-9"}], "text": "Huyết áp"},
             "component": [{"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                            "valueQuantity": {"value": 140, "unit": "mmHg"}},
                           {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                            "valueQuantity": {"value": 90, "unit": "mmHg"}}]},
            {"resourceType": "MedicationRequest", "status": "completed", "intent": "order", "subject": subject,
             "encounter": enc, "authoredOn": when, "medicationCodeableConcept": {"text": "Amlodipin 5mg"},
             "dosageInstruction": [{"text": "Uống, mỗi lần 1 viên, ngày 1 lần, trong 7 ngày"}]},
        ]
        ids += [eid, cid, None, None]
    for chunk in range(0, len(resources), 1000):
        repo.create_many(resources[chunk:chunk + 1000], ids=ids[chunk:chunk + 1000])


ICD_QUERIES = ["I10", "e119", "J1", "tang huyet ap", "viem phoi", "dai thao duong", "khong dac hieu", "than"]


def icd_search_benchmark(doctor: Any, rounds: int) -> None:
    import re

    from django.db import connection
    from django.test import Client

    from benhan.vn.catalog_import import apply, preview
    from benhan.vn.catalog_search import search
    from benhan.vn.models import Icd10
    from benhan.vn.text import fold
    from tests.vn.ministry_icd10 import csv_bytes, rows, xlsx_bytes

    sheet = rows()
    workbook, text = xlsx_bytes(sheet), csv_bytes(sheet)
    t0 = time.perf_counter()
    checked = preview("icd10", "ICD10.xlsx", workbook)
    t_preview = time.perf_counter() - t0
    t0 = time.perf_counter()
    stored = apply(preview("icd10", "ICD10.csv", text))
    t_apply = time.perf_counter() - t0
    print(f"\n3. ICD-10 search over the full list ({Icd10.objects.count()} codes), {rounds} rounds per query")
    print(f"   import: preview of the .xlsx {ms(t_preview)} ({len(checked.accepted)} rows), preview + store {ms(t_apply)}"
          f" ({stored} rows)")
    client = Client()
    client.force_login(doctor)
    table = Icd10._meta.db_table
    for query in ICD_QUERIES:
        fn, page, raw = [], [], []
        search(Icd10, query)
        for _ in range(rounds):
            t0 = time.perf_counter()
            found = search(Icd10, query)
            fn.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            response = client.get("/ui/tra-cuu/icd10/", {"main_diagnosis": query})
            page.append(time.perf_counter() - t0)
            assert response.status_code == 200
        words = re.findall(r"[\w.]+", fold(query))
        code_key = query.upper()
        where = " AND ".join(["(search_text LIKE %s OR search_text LIKE %s)"] * len(words))
        params: list[str] = [p for w in words for p in (f"{w}%", f"% {w}%")]
        for _ in range(rounds):
            t0 = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(f"SELECT id, code, name FROM {table} WHERE active AND code >= %s AND code < %s"
                            " ORDER BY code LIMIT 20", [code_key, code_key + "\uffff"])
                cur.fetchall()
                cur.execute(f"SELECT id, code, name FROM {table} WHERE active AND {where} ORDER BY code LIMIT 100",
                            params)
                cur.fetchall()
            raw.append(time.perf_counter() - t0)
        print(f"   {query!r:18s} {len(found):2d} found  search p50 {ms(statistics.median(fn)):>9s} p95 {ms(pct(fn, .95)):>9s}"
              f"  lookup page p50 {ms(statistics.median(page)):>9s}  baseline raw SQL p50 {ms(statistics.median(raw)):>9s}")


if __name__ == "__main__":
    main()
