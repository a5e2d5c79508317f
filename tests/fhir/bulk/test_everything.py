from __future__ import annotations

from typing import Any

import orjson
import pytest
from django.test import RequestFactory

from benhan.fhir.errors import FhirError
from benhan.fhir.models import AuditRow
from benhan.fhir.operations import OperationCall, find
from benhan.fhir.repository import Repository
from tests.fhir.bulk import synthea

BUNDLES = synthea.bundle_paths()


def _everything(repo: Repository, patient_id: str | None, **params: str) -> dict[str, Any]:
    reg = find("everything", "instance" if patient_id else "type", "Patient")
    assert reg is not None
    request = RequestFactory().get("/fhir/Patient/$everything", params)
    call = OperationCall(request, repo, "everything", "instance" if patient_id else "type", "Patient",
                         patient_id, list(params.items()))
    response = reg.handler(call)
    assert response.status_code == 200
    body: dict[str, Any] = orjson.loads(response.content)
    return body


def _refs(bundle: dict[str, Any], mode: str | None = None) -> list[str]:
    return [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]
            if mode is None or e["search"]["mode"] == mode]


@pytest.fixture
def two_patients(repo: Repository) -> tuple[str, str]:
    return synthea.load(repo, BUNDLES[0]), synthea.load(repo, BUNDLES[1])


def test_everything_returns_the_patient_first_and_every_compartment_resource_once(repo: Repository, two_patients) -> None:
    pid, _ = two_patients
    expected = {f"{r['resourceType']}/{r['id']}" for r in synthea.resources_of(BUNDLES[0])
                if r["resourceType"] not in synthea.SHARED_TYPES}
    bundle = _everything(repo, pid)
    matches = _refs(bundle, "match")
    assert bundle["type"] == "searchset" and matches[0] == f"Patient/{pid}"
    assert len(matches) == len(set(matches)) == bundle["total"]
    assert set(matches) == expected


def test_a_resource_of_another_patient_never_appears(repo: Repository, two_patients) -> None:
    pid, other = two_patients
    theirs = {f"{r['resourceType']}/{r['id']}" for r in synthea.resources_of(BUNDLES[1])
              if r["resourceType"] not in synthea.SHARED_TYPES}
    bundle = _everything(repo, pid)
    assert not set(_refs(bundle)) & theirs
    assert other not in orjson.dumps(bundle).decode()


def test_referenced_practitioners_and_organizations_come_along_as_includes(repo: Repository, two_patients) -> None:
    pid, _ = two_patients
    included = _refs(_everything(repo, pid), "include")
    assert {r.split("/")[0] for r in included} >= {"Practitioner", "Organization"}
    assert len(included) == len(set(included))


def test_type_filter_keeps_only_the_named_types(repo: Repository, two_patients) -> None:
    pid, _ = two_patients
    bundle = _everything(repo, pid, _type="Patient,Condition")
    assert {r.split("/")[0] for r in _refs(bundle, "match")} == {"Patient", "Condition"}


def test_the_care_date_window_filters_dated_resources_and_keeps_undated_ones(repo: Repository) -> None:
    pid = repo.create({"resourceType": "Patient"}).id
    def obs(when: str) -> str:
        return repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                            "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": when}).id
    old, inside, late = obs("2019-06-01"), obs("2021-03-15T10:00:00+07:00"), obs("2023-01-01")
    stay = repo.create({"resourceType": "Encounter", "status": "in-progress", "class": {"code": "AMB"},
                        "subject": {"reference": f"Patient/{pid}"}, "period": {"start": "2020-12-30"}}).id
    refs = set(_refs(_everything(repo, pid, start="2021-01-01", end="2021-12-31")))
    assert f"Observation/{inside}" in refs and f"Patient/{pid}" in refs
    assert f"Encounter/{stay}" in refs  # an open period that began before the window overlaps it
    assert not {f"Observation/{old}", f"Observation/{late}"} & refs


def test_since_keeps_only_resources_changed_since(repo: Repository) -> None:
    pid = repo.create({"resourceType": "Patient"}).id
    first = repo.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"}})
    later = repo.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"}})
    since = later.last_updated.isoformat()
    refs = _refs(_everything(repo, pid, _since=since))
    assert f"Condition/{later.id}" in refs and f"Condition/{first.id}" not in refs


def test_paging_walks_every_resource_exactly_once(repo: Repository, two_patients) -> None:
    pid, _ = two_patients
    whole = _refs(_everything(repo, pid), "match")
    seen: list[str] = []
    offset = 0
    while True:
        page = _everything(repo, pid, _count="25", _offset=str(offset))
        assert page["total"] == len(whole)
        seen += _refs(page, "match")
        nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not nxt:
            break
        assert "_offset=" in nxt[0]
        offset += 25
    assert seen == whole


def test_another_facilitys_patient_is_refused_and_the_refusal_audited(repo: Repository, make_actor) -> None:
    pid = repo.create({"resourceType": "Patient"}).id
    outsider = Repository(make_actor("system/*.read", facilities={"00002"}), "00002")
    with pytest.raises(FhirError) as exc:
        _everything(outsider, pid)
    assert exc.value.status == 403
    assert AuditRow.objects.filter(interaction="operation", patient_id=pid, outcome="4").exists()


def test_another_facilitys_resources_in_the_compartment_are_left_out(repo: Repository, system_actor, make_actor) -> None:
    pid = repo.create({"resourceType": "Patient"}).id
    ours = repo.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"}}).id
    elsewhere = Repository(system_actor, "00002").create(
        {"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"}}).id
    reader = Repository(make_actor("system/*.read", facilities={"00001"}), "00001")
    refs = _refs(_everything(reader, pid))
    assert f"Condition/{ours}" in refs and f"Condition/{elsewhere}" not in refs


def test_a_patient_token_opens_only_its_own_record(repo: Repository, make_actor) -> None:
    mine, other = repo.create({"resourceType": "Patient"}).id, repo.create({"resourceType": "Patient"}).id
    me = Repository(make_actor("patient/*.read", facilities=None, kind="patient", patient_ids={mine}))
    assert _refs(_everything(me, mine))[0] == f"Patient/{mine}"
    with pytest.raises(FhirError) as exc:
        _everything(me, other)
    assert exc.value.status == 403
    assert set(_refs(_everything(me, None), "match")) == {f"Patient/{mine}"}


def test_scopes_limit_the_types_returned(repo: Repository, make_actor) -> None:
    pid = repo.create({"resourceType": "Patient"}).id
    repo.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"}})
    narrow = Repository(make_actor("system/Patient.read", facilities=None))
    assert {r.split("/")[0] for r in _refs(_everything(narrow, pid))} == {"Patient"}
    with pytest.raises(FhirError) as exc:
        _everything(narrow, pid, _type="Condition")
    assert exc.value.status == 403


def test_each_call_writes_one_audit_entry_naming_the_patient(repo: Repository) -> None:
    pid = repo.create({"resourceType": "Patient"}).id
    before = AuditRow.objects.filter(interaction="operation").count()
    _everything(repo, pid)
    rows = AuditRow.objects.filter(interaction="operation")
    assert rows.count() == before + 1 and rows.last().patient_id == pid  # type: ignore[union-attr]


def test_type_level_everything_covers_every_visible_patient_without_duplicates(repo: Repository, two_patients) -> None:
    a, b = two_patients
    bundle = _everything(repo, None)
    matches = _refs(bundle, "match")
    assert {f"Patient/{a}", f"Patient/{b}"} <= set(matches)
    assert len(matches) == len(set(matches)) == bundle["total"]
    audited = set(AuditRow.objects.filter(interaction="operation").values_list("patient_id", flat=True))
    assert {a, b} <= audited


def test_a_missing_patient_is_404_and_bad_parameters_are_400(repo: Repository) -> None:
    with pytest.raises(FhirError) as exc:
        _everything(repo, "nobody")
    assert exc.value.status == 404
    pid = repo.create({"resourceType": "Patient"}).id
    for params in ({"start": "yesterday"}, {"_count": "0"}, {"_type": "Practitioner2"}):
        with pytest.raises(FhirError) as exc:
            _everything(repo, pid, **params)
        assert exc.value.status == 400
