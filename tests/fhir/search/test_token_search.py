"""Token parameters: system|code forms, :not, :text, :of-type, booleans, identifiers, _tag."""

from __future__ import annotations

from benhan.fhir.repository import Repository

from .conftest import Find

LOINC = "http://loinc.org"
CCCD = "https://cccd.gov.vn"


def _obs(repo: Repository, code: str, system: str = LOINC, text: str = "", **extra: object) -> str:
    concept: dict[str, object] = {"coding": [{"system": system, "code": code, "display": text or code}]}
    if text:
        concept["text"] = text
    return repo.create({"resourceType": "Observation", "status": "final", "code": concept, **extra}).id


def test_code_alone_matches_any_system(repo: Repository, find: Find) -> None:
    a = _obs(repo, "8867-4")
    b = _obs(repo, "8867-4", system="http://other")
    assert sorted(find("Observation", "code=8867-4")) == sorted([a, b])


def test_system_and_code_must_both_match(repo: Repository, find: Find) -> None:
    a = _obs(repo, "8867-4")
    _obs(repo, "8867-4", system="http://other")
    assert find("Observation", f"code={LOINC}|8867-4") == [a]


def test_empty_system_matches_codes_without_a_system(repo: Repository, find: Find) -> None:
    plain = repo.create({"resourceType": "Observation", "status": "final",
                         "code": {"coding": [{"code": "x1"}]}}).id
    _obs(repo, "x1")
    assert find("Observation", "code=|x1") == [plain]


def test_system_alone_matches_every_code_of_that_system(repo: Repository, find: Find) -> None:
    a = _obs(repo, "1")
    b = _obs(repo, "2")
    _obs(repo, "3", system="http://other")
    assert sorted(find("Observation", f"code={LOINC}|")) == sorted([a, b])


def test_not_excludes_matches_and_keeps_resources_without_the_value(repo: Repository, find: Find) -> None:
    _obs(repo, "1")
    b = _obs(repo, "2")
    assert find("Observation", "code:not=1") == [b]


def test_text_matches_display_without_accents(repo: Repository, find: Find) -> None:
    hr = _obs(repo, "8867-4", text="Nhịp tim")
    _obs(repo, "1", text="Huyết áp")
    assert find("Observation", "code:text=nhip") == [hr]
    assert find("Observation", "code:text=tim") == [hr]  # a later word counts too


def test_code_of_a_plain_code_element(repo: Repository, find: Find) -> None:
    male = repo.create({"resourceType": "Patient", "gender": "male"}).id
    repo.create({"resourceType": "Patient", "gender": "female"})
    assert find("Patient", "gender=male") == [male]


def test_boolean_tokens(repo: Repository, find: Find) -> None:
    active = repo.create({"resourceType": "Patient", "active": True}).id
    inactive = repo.create({"resourceType": "Patient", "active": False}).id
    assert find("Patient", "active=true") == [active]
    assert find("Patient", "active=false") == [inactive]


def test_identifier_by_system_and_value_and_of_type(repo: Repository, find: Find) -> None:
    ident = {"system": CCCD, "value": "001099012345",
             "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "NI"}]}}
    p = repo.create({"resourceType": "Patient", "identifier": [ident]}).id
    repo.create({"resourceType": "Patient", "identifier": [{"system": "bhyt", "value": "001099012345"}]})
    assert find("Patient", f"identifier={CCCD}|001099012345") == [p]
    assert len(find("Patient", "identifier=001099012345")) == 2
    assert find("Patient", "identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|NI|001099012345") == [p]


def test_escaped_pipe_is_part_of_the_code(repo: Repository, find: Find) -> None:
    odd = repo.create({"resourceType": "Patient", "identifier": [{"value": "a|b"}]}).id
    assert find("Patient", "identifier=a\\|b") == [odd]


def test_phone_uses_the_where_filter_of_its_expression(repo: Repository, find: Find) -> None:
    p = repo.create({"resourceType": "Patient", "telecom": [{"system": "phone", "value": "0912345678"},
                                                           {"system": "email", "value": "a@b.vn"}]}).id
    assert find("Patient", "phone=0912345678") == [p]
    assert find("Patient", "phone=a@b.vn") == []
    assert find("Patient", "email=a@b.vn") == [p]


def test_tag_security_and_deceased_from_fhirpath(repo: Repository, find: Find) -> None:
    tagged = repo.create({"resourceType": "Patient", "meta": {"tag": [{"system": "s", "code": "vip"}]},
                          "deceasedDateTime": "2020-01-01"}).id
    alive = repo.create({"resourceType": "Patient", "deceasedBoolean": False}).id
    assert find("Patient", "_tag=s|vip") == [tagged]
    assert find("Patient", "deceased=true") == [tagged]
    assert find("Patient", "deceased=false") == [alive]


def test_id_and_its_negation(repo: Repository, find: Find) -> None:
    a = repo.create({"resourceType": "Patient"}).id
    b = repo.create({"resourceType": "Patient"}).id
    assert find("Patient", f"_id={a}") == [a]
    assert sorted(find("Patient", f"_id={a},{b}")) == sorted([a, b])
    assert find("Patient", f"_id:not={a}") == [b]


def test_missing_on_tokens_and_references(repo: Repository, find: Find) -> None:
    coded = _obs(repo, "1", subject={"reference": "Patient/p1"})
    bare = repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "only text"}}).id
    assert find("Observation", "subject:missing=true") == [bare]
    assert find("Observation", "subject:missing=false") == [coded]
    assert find("Observation", "category:missing=true&_sort=_id") == sorted([coded, bare])
