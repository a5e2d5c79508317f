"""Repository.read_many / read_refs, added for the chart: one query for a batch of reads, each read audited
(the audit rows inserted in one statement)."""

from __future__ import annotations

import pytest

from benhan.fhir.errors import FhirError
from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository


def _patient(repo: Repository, family: str) -> str:
    return repo.create({"resourceType": "Patient", "name": [{"family": family}]}).id


def test_read_many_returns_the_asked_order_skips_deleted_and_audits_each_read(repo: Repository) -> None:
    a, b, c = (_patient(repo, n) for n in ("An", "Bình", "Chi"))
    repo.delete("Patient", b)
    before = AuditRow.objects.count()
    found = repo.read_many("Patient", [c, b, a, "missing"])
    assert [s.id for s in found] == [c, a]
    rows = list(AuditRow.objects.order_by("id")[before:])
    assert [(r.interaction, r.resource_id, r.patient_id) for r in rows] == [("read", c, c), ("read", a, a)]


def test_read_refs_reads_several_types_in_one_query(repo: Repository) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    patient = _patient(repo, "An")
    encounter = repo.create({"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"},
                             "subject": {"reference": f"Patient/{patient}"}}).id
    with CaptureQueriesContext(connection) as ctx:
        found = repo.read_refs([("Encounter", encounter), ("Patient", patient)])
    assert [(s.resource_type, s.id) for s in found] == [("Encounter", encounter), ("Patient", patient)]
    selects = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1


def test_read_many_refuses_the_batch_when_one_resource_belongs_to_another_facility(repo: Repository, make_actor) -> None:
    mine = _patient(repo, "An")
    theirs = Repository(make_actor("system/*.*", facilities={"00002"}), "00002").create(
        {"resourceType": "Patient", "name": [{"family": "Bình"}]}).id
    reader = Repository(make_actor("system/*.read", facilities={"00001"}), "00001")
    with pytest.raises(FhirError) as exc:
        reader.read_many("Patient", [mine, theirs])
    assert exc.value.status == 403
    assert AuditRow.objects.filter(outcome="4", interaction="read").exists()
