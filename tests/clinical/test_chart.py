from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from benhan.clinical.workflows.chart import access_log, open_chart
from benhan.clinical.workflows.registration import merge_patients
from benhan.clinical.workflows.visits import record_vitals, set_diagnoses, start_outpatient_visit
from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository

from .helpers import new_patient


def test_opening_the_chart_is_audited_and_lists_each_section_newest_first(doctor_repo: Repository) -> None:
    patient = new_patient(doctor_repo)
    visits = [start_outpatient_visit(doctor_repo, patient["id"], "P101").encounter for _ in range(3)]
    set_diagnoses(doctor_repo, visits[-1]["id"], "I10", [])
    record_vitals(doctor_repo, visits[-1]["id"], {"pulse": "80"})
    chart = open_chart(doctor_repo, patient["id"])
    assert [e["id"] for e in chart.sections["encounters"].items] == [v["id"] for v in reversed(visits)]
    assert chart.sections["problems"].items[0]["code"]["coding"][0]["code"] == "I10"
    assert chart.sections["vitals"].total == 1
    assert AuditRow.objects.filter(interaction="chart-open", patient_id=patient["id"]).count() == 1
    rows, total = access_log(patient["id"])
    assert total >= 1 and rows[0].interaction in {"chart-open", "read"}


def test_the_chart_costs_the_same_queries_for_many_encounters_as_for_few(doctor_repo: Repository) -> None:
    few, many = new_patient(doctor_repo, name="Ít Lần"), new_patient(doctor_repo, name="Nhiều Lần")
    start_outpatient_visit(doctor_repo, few["id"], "P101")
    for _ in range(30):
        start_outpatient_visit(doctor_repo, many["id"], "P101")
    counts = []
    for p in (few, many):
        with CaptureQueriesContext(connection) as ctx:
            chart = open_chart(doctor_repo, p["id"])
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert len(chart.sections["encounters"].items) == 20 and chart.sections["encounters"].pages == 2


def test_a_merged_record_is_inactive_linked_both_ways_audited_and_its_history_shows_in_the_survivor(
        doctor_repo: Repository) -> None:
    survivor = new_patient(doctor_repo, name="Nguyễn Văn Bình")
    duplicate = new_patient(doctor_repo, name="Nguyen Van Binh")
    old_visit = start_outpatient_visit(doctor_repo, duplicate["id"], "P101").encounter
    merged = merge_patients(doctor_repo, duplicate["id"], survivor["id"], "Cùng một người, tạo trùng khi tiếp đón")
    assert merged["link"] == [{"other": {"reference": f"Patient/{duplicate['id']}"}, "type": "replaces"}]
    retired = doctor_repo.read("Patient", duplicate["id"]).json()
    assert retired["active"] is False and retired["link"][0]["type"] == "replaced-by"
    assert AuditRow.objects.filter(interaction="merge", resource_id=duplicate["id"], patient_id=survivor["id"]).exists()
    chart = open_chart(doctor_repo, survivor["id"])
    assert old_visit["id"] in [e["id"] for e in chart.sections["encounters"].items]


def test_the_chart_shows_old_encounters_as_signed_even_when_their_papers_are_off_the_first_page(
        doctor_repo: Repository, signing_doctor) -> None:
    from benhan.clinical.workflows.signing import signed_for_encounters
    from benhan.clinical.workflows.visits import conclude_visit

    patient = new_patient(doctor_repo)
    first = start_outpatient_visit(doctor_repo, patient["id"], "P101").encounter
    set_diagnoses(doctor_repo, first["id"], "I10", [])
    conclude_visit(doctor_repo, signing_doctor, first["id"], "home", "")
    later = [start_outpatient_visit(doctor_repo, patient["id"], "P101").encounter for _ in range(2)]
    signed = signed_for_encounters(doctor_repo, [first["id"], *(e["id"] for e in later)])
    assert f"Encounter/{first['id']}" in signed
    assert not any(f"Encounter/{e['id']}" in signed for e in later)
