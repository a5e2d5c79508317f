"""PDQm demographic search of the provincial patient index: accent-insensitive Vietnamese names, the
other parameters, one Patient per person with its cross-references, errors and access."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from benhan.accounts.models import Facility
from benhan.exchange import directory, outbox
from benhan.fhir.access import Actor
from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository

HUB, CENTER, HOSPITAL = "01000", "01002", "01001"
CCCD = "http://fhir.hl7.org.vn/core/sid/cccd"
URL = "/exchange/mpi/fhir/Patient"


def _patient(repo: Repository, name: str, birth: str, gender: str, **extra: str) -> str:
    resource: dict[str, Any] = {"resourceType": "Patient", "name": [{"text": name}], "birthDate": birth, "gender": gender}
    if "cccd" in extra:
        resource["identifier"] = [{"system": CCCD, "value": extra["cccd"]}]
    if "phone" in extra:
        resource["telecom"] = [{"system": "phone", "value": extra["phone"]}]
    if "address" in extra:
        resource["address"] = [{"text": extra["address"]}]
    with repo.atomic():
        return repo.create(resource).id


@pytest.fixture
def index(db: None, settings: Any, tmp_path: Any) -> dict[str, str]:
    settings.EXCHANGE_KEY_DIR = str(tmp_path / "keys")
    settings.BENHAN_EXCHANGE_HUB = HUB
    for code, name in ((HUB, "Sở Y tế (hub)"), (CENTER, "TTYT khu vực Sóc Sơn"), (HOSPITAL, "Bệnh viện Đa khoa tỉnh")):
        Facility.objects.create(code=code, name=name)
        directory.register_hosted(code, name)
    center, hospital = (Repository(Actor.system("test"), c) for c in (CENTER, HOSPITAL))
    ids = {
        "hai_center": _patient(center, "Đỗ Văn Hải", "1968-05-02", "male", cccd="001068012345", phone="0912000111",
                               address="Thôn Đông, xã Phù Linh, Sóc Sơn"),
        "hai_hospital": _patient(hospital, "Đỗ Văn Hải", "1968-05-02", "male", cccd="001068012345"),
        "hai_other": _patient(hospital, "Đỗ Văn Hài", "1990-01-01", "male"),
        "hoa": _patient(center, "Nguyễn Thị Hoa", "1975-03-04", "female", phone="0987654321",
                        address="Phường Tiên Cát, Việt Trì"),
        "hoang": _patient(hospital, "Hoàng Văn Đỗ", "1968-05-02", "male"),
    }
    while outbox.deliver_due().delivered:
        pass
    return ids


def _search(fhir_client: Any, query: str, scope: str = "system/Patient.read") -> Any:
    return fhir_client(scope, facilities={HUB}).get(f"{URL}?{query}")


def _records(bundle: dict[str, Any]) -> list[set[str]]:
    return [{link["other"]["identifier"]["value"] for link in e["resource"]["link"]} for e in bundle["entry"]]


def test_family_and_given_names_match_without_accents_and_one_patient_stands_for_the_person(
        index: dict[str, str], fhir_client: Any) -> None:
    answer = _search(fhir_client, "family=do&given=hai")
    assert answer.status_code == 200, answer.content
    bundle = answer.json()
    assert bundle["type"] == "searchset" and bundle["total"] == 2
    assert sorted(_records(bundle), key=len) == [{index["hai_other"]}, {index["hai_center"], index["hai_hospital"]}]
    person = next(e["resource"] for e in bundle["entry"] if len(e["resource"]["link"]) == 2)
    assert {i["system"].rsplit("/", 1)[1] for i in person["identifier"] if "sid/patient/" in i["system"]} == {CENTER, HOSPITAL}
    assert {link["other"]["display"] for link in person["link"]} == {"TTYT khu vực Sóc Sơn", "Bệnh viện Đa khoa tỉnh"}
    assert person["name"][0]["text"].startswith("Đỗ Văn")  # shown with its diacritics, matched without


def test_family_is_the_surname_not_any_word_of_the_name(index: dict[str, str], fhir_client: Any) -> None:
    bundle = _search(fhir_client, "family=Đỗ").json()
    assert index["hoang"] not in set().union(*_records(bundle))
    assert _records(_search(fhir_client, "given=do").json()) == [{index["hoang"]}]


def test_birthdate_gender_identifier_telecom_and_address_narrow_the_search(index: dict[str, str], fhir_client: Any) -> None:
    assert _records(_search(fhir_client, "family=do&birthdate=1968-05-02").json()) == [{index["hai_center"], index["hai_hospital"]}]
    assert _search(fhir_client, "family=do&birthdate=ge1980").json()["total"] == 1
    assert _records(_search(fhir_client, "gender=female").json()) == [{index["hoa"]}]
    assert _records(_search(fhir_client, f"identifier={CCCD}|001068012345").json()) == [{index["hai_center"], index["hai_hospital"]}]
    assert _records(_search(fhir_client, f"identifier=https://benhan.vn/fhir/sid/patient/{CENTER}|{index['hoa']}").json()) == [{index["hoa"]}]
    assert _records(_search(fhir_client, "telecom=phone|+84987654321").json()) == [{index["hoa"]}]
    assert _records(_search(fhir_client, "address=viet tri").json()) == [{index["hoa"]}]
    assert _search(fhir_client, "family=nguyen&birthdate=1968").json()["total"] == 0
    assert _search(fhir_client, "family=do,nguyen&gender=female").json()["total"] == 1


def test_bad_parameters_answer_an_operation_outcome_naming_the_parameter(index: dict[str, str], fhir_client: Any) -> None:
    for query, where in (("birthdate=05/02/1968", "birthdate"), ("shoe-size=42", "shoe-size"), ("gender=nam", "gender"),
                         ("_count=10", "Patient")):
        answer = _search(fhir_client, query)
        assert answer.status_code == 400, query
        outcome = answer.json()
        assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["expression"] == [where]


def test_the_index_answers_only_callers_with_a_patient_read_scope_at_the_hub_and_audits_them(
        index: dict[str, str], fhir_client: Any) -> None:
    assert _search(fhir_client, "family=do", scope="system/Observation.read").status_code == 403
    assert fhir_client("system/Patient.read", facilities={CENTER}).get(f"{URL}?family=do").status_code == 403
    assert Client().get(f"{URL}?family=do").status_code == 401
    assert _search(fhir_client, "family=do").status_code == 200
    rows = AuditRow.objects.filter(query__startswith="PDQm", resource_type="Patient")
    assert list(rows.order_by("id").values_list("outcome", flat=True)) == ["4", "4", "0"]
