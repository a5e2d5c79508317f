"""String parameters: accent- and case-insensitive prefix matching, :exact, :contains, :missing."""

from __future__ import annotations

from benhan.fhir.repository import Repository

from .conftest import Find


def _patient(repo: Repository, family: str, *given: str, **extra: object) -> str:
    name: dict[str, object] = {"family": family, **({"given": list(given)} if given else {})}
    return repo.create({"resourceType": "Patient", "name": [name], **extra}).id


def test_name_prefix_ignores_vietnamese_accents_and_case(repo: Repository, find: Find) -> None:
    nguyen = _patient(repo, "Nguyễn", "Văn", "An")
    tran = _patient(repo, "Trần", "Thị", "Bình")
    dang = _patient(repo, "Đặng", "Minh")
    assert find("Patient", "name=nguyen") == [nguyen]
    assert find("Patient", "name=NGUY") == [nguyen]
    assert find("Patient", "name=tran") == [tran]
    assert find("Patient", "family=dang") == [dang]
    assert find("Patient", "name=đặng") == [dang]
    assert find("Patient", "given=binh") == [tran]


def test_full_vietnamese_name_matches_in_family_given_order(repo: Repository, find: Find) -> None:
    an = _patient(repo, "Nguyễn", "Văn", "An")
    _patient(repo, "Nguyễn", "Thị", "Hoa")
    assert find("Patient", "name=nguyen van a") == [an]


def test_prefix_does_not_match_inside_a_word(repo: Repository, find: Find) -> None:
    _patient(repo, "Nguyễn")
    assert find("Patient", "name=guyen") == []


def test_exact_matches_the_whole_string_with_its_accents_and_case(repo: Repository, find: Find) -> None:
    nguyen = _patient(repo, "Nguyễn")
    _patient(repo, "Nguyen")
    assert find("Patient", "family:exact=Nguyễn") == [nguyen]
    assert find("Patient", "family:exact=nguyễn") == []


def test_contains_matches_anywhere(repo: Repository, find: Find) -> None:
    nguyen = _patient(repo, "Nguyễn")
    assert find("Patient", "family:contains=uyê") == [nguyen]
    assert find("Patient", "family:contains=xyz") == []


def test_comma_is_or_and_repeats_are_and(repo: Repository, find: Find) -> None:
    a = _patient(repo, "Nguyễn", "An")
    b = _patient(repo, "Trần", "An")
    _patient(repo, "Lê", "Bình")
    assert sorted(find("Patient", "family=nguyen,tran")) == sorted([a, b])
    assert find("Patient", "family=nguyen&given=an") == [a]


def test_missing_finds_resources_with_and_without_a_value(repo: Repository, find: Find) -> None:
    named = _patient(repo, "Nguyễn")
    nameless = repo.create({"resourceType": "Patient", "gender": "female"}).id
    assert find("Patient", "family:missing=true") == [nameless]
    assert find("Patient", "family:missing=false") == [named]


def test_address_parts_are_searchable(repo: Repository, find: Find) -> None:
    hue = _patient(repo, "Lê", address=[{"city": "Huế", "line": ["12 Lê Lợi"], "country": "VN"}])
    assert find("Patient", "address-city=hue") == [hue]
    assert find("Patient", "address=12 le loi") == [hue]
    assert find("Patient", "address=viet") == []


def test_escaped_comma_is_part_of_the_value(repo: Repository, find: Find) -> None:
    comma = _patient(repo, "A,B")
    assert find("Patient", "family:exact=A\\,B") == [comma]


def test_updates_replace_and_deletes_remove_index_rows(repo: Repository, find: Find) -> None:
    pid = _patient(repo, "Nguyễn")
    repo.update({"resourceType": "Patient", "name": [{"family": "Trần"}]}, pid)
    assert find("Patient", "name=nguyen") == []
    assert find("Patient", "name=tran") == [pid]
    repo.delete("Patient", pid)
    assert find("Patient", "name=tran") == []
