"""`_text`, `_content` and Location `near`: word-prefix text search without accents, great-circle distance."""

from __future__ import annotations

import pytest

from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.fhir.search.special import distance_km

from .conftest import Find


def _note(repo: Repository, div: str, **extra: object) -> str:
    return repo.create({"resourceType": "Condition", "subject": {"reference": "Patient/p"},
                        "text": {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{div}</div>'},
                        **extra}).id


def test_text_matches_narrative_words_without_accents_or_case(repo: Repository, find: Find) -> None:
    sot = _note(repo, "Bệnh nhân <b>sốt</b> cao, đau đầu")
    ho = _note(repo, "Ho khan kéo dài")
    assert find("Condition", "_text=sot") == [sot]
    assert find("Condition", "_text=ĐAU") == [sot]
    assert find("Condition", "_text=dau") == [sot]
    assert find("Condition", "_text=keo") == [ho]


def test_text_terms_must_all_match_and_commas_are_or(repo: Repository, find: Find) -> None:
    sot = _note(repo, "Sốt cao")
    ho = _note(repo, "Ho khan")
    assert find("Condition", "_text=sốt cao") == [sot]
    assert find("Condition", "_text=sot khan") == []
    assert sorted(find("Condition", "_text=sot,khan")) == sorted([sot, ho])


def test_text_matches_word_prefixes_not_inside_words(repo: Repository, find: Find) -> None:
    sot = _note(repo, "Nhiễm trùng")
    assert find("Condition", "_text=nhiem") == [sot]
    assert find("Condition", "_text=trung") == [sot]
    assert find("Condition", "_text=hiem") == []


def test_text_reads_the_narrative_only_and_markup_is_not_text(repo: Repository, find: Find) -> None:
    _note(repo, "Viêm phổi", code={"text": "Tăng huyết áp"})
    assert find("Condition", "_text=huyet") == []
    assert find("Condition", "_text=div") == []
    assert find("Condition", "_text=xmlns") == []


def test_content_matches_any_readable_string_of_the_resource(repo: Repository, find: Find) -> None:
    an = repo.create({"resourceType": "Patient", "name": [{"family": "Nguyễn", "given": ["Văn", "An"]}],
                      "address": [{"city": "Đà Nẵng"}]}).id
    hoa = repo.create({"resourceType": "Patient", "name": [{"family": "Trần", "given": ["Thị", "Hoa"]}],
                       "address": [{"city": "Huế"}]}).id
    assert find("Patient", "_content=da nang") == [an]
    assert find("Patient", "_content=HUE") == [hoa]
    assert find("Patient", "_content=tran hoa") == [hoa]
    assert sorted(find("Patient", "_content=nguyen,hue")) == sorted([an, hoa])


def test_content_leaves_out_ids_references_and_systems(repo: Repository, find: Find) -> None:
    repo.create({"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/zeta"},
                 "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Nhịp tim"}]}})
    assert find("Observation", "_content=zeta") == []
    assert find("Observation", "_content=loinc") == []
    assert len(find("Observation", "_content=nhip tim")) == 1


def test_content_across_all_types(repo: Repository, find: Find) -> None:
    pid = repo.create({"resourceType": "Patient", "name": [{"family": "Đặng"}]}).id
    oid = repo.create({"resourceType": "Organization", "name": "Bệnh viện Đặng Văn Ngữ"}).id
    assert sorted(find(None, "_content=dang")) == sorted([pid, oid])


def test_text_follows_updates_and_deletes(repo: Repository, find: Find) -> None:
    cid = _note(repo, "Sốt")
    repo.update({"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p"},
                 "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Ho</div>'}}, cid)
    assert find("Condition", "_text=sot") == []
    assert find("Condition", "_text=ho") == [cid]
    repo.delete("Condition", cid)
    assert find("Condition", "_text=ho") == []


def _place(repo: Repository, name: str, lat: float, long: float) -> str:
    return repo.create({"resourceType": "Location", "name": name,
                        "position": {"latitude": lat, "longitude": long}}).id


# Bệnh viện Chợ Rẫy, Bệnh viện Nhi Đồng 1 (about 2 km apart), Bệnh viện Bạch Mai (Hà Nội, ~1,140 km).
CHO_RAY = (10.7575, 106.6594)
NHI_DONG = (10.7686, 106.6700)
BACH_MAI = (21.0017, 105.8412)


def test_near_finds_locations_within_the_distance(repo: Repository, find: Find) -> None:
    cr = _place(repo, "Chợ Rẫy", *CHO_RAY)
    nd = _place(repo, "Nhi Đồng 1", *NHI_DONG)
    bm = _place(repo, "Bạch Mai", *BACH_MAI)
    between = distance_km(*CHO_RAY, *NHI_DONG)
    assert 1 < between < 3
    assert find("Location", f"near={CHO_RAY[0]}|{CHO_RAY[1]}|1|km") == [cr]
    assert sorted(find("Location", f"near={CHO_RAY[0]}|{CHO_RAY[1]}|{between + 0.01}|km")) == sorted([cr, nd])
    assert find("Location", f"near={CHO_RAY[0]}|{CHO_RAY[1]}|{between - 0.01}|km") == [cr]
    assert sorted(find("Location", f"near={CHO_RAY[0]}|{CHO_RAY[1]}|1200|km")) == sorted([cr, nd, bm])
    assert find("Location", f"near={BACH_MAI[0]}|{BACH_MAI[1]}|1100|km") == [bm]


def test_near_units_and_default_distance(repo: Repository, find: Find) -> None:
    cr = _place(repo, "Chợ Rẫy", *CHO_RAY)
    nd = _place(repo, "Nhi Đồng 1", *NHI_DONG)
    _place(repo, "Bạch Mai", *BACH_MAI)
    assert find("Location", f"near={CHO_RAY[0]}|{CHO_RAY[1]}|500|m") == [cr]
    assert sorted(find("Location", f"near={CHO_RAY[0]}|{CHO_RAY[1]}|2|[mi_i]")) == sorted([cr, nd])
    assert sorted(find("Location", f"near={CHO_RAY[0]}|{CHO_RAY[1]}")) == sorted([cr, nd])  # 10 km


def test_near_works_across_the_antimeridian(repo: Repository, find: Find) -> None:
    east = _place(repo, "Fiji east", -17.0, 179.99)
    _place(repo, "far", -17.0, 170.0)
    assert find("Location", "near=-17.0|-179.99|5|km") == [east]


def test_locations_without_a_position_are_never_near(repo: Repository, find: Find) -> None:
    repo.create({"resourceType": "Location", "name": "Trạm y tế xã"})
    assert find("Location", f"near={CHO_RAY[0]}|{CHO_RAY[1]}|20000|km") == []


@pytest.mark.parametrize("value", ["abc|106", "10.7", "95|106|1|km", "10|106|1|parsec", "10|106|-1|km"])
def test_malformed_near_values_are_a_400_naming_near(repo: Repository, find: Find, value: str) -> None:
    with pytest.raises(FhirError) as exc:
        find("Location", f"near={value}")
    assert exc.value.status == 400 and exc.value.issues[0].expression == ("near",)
