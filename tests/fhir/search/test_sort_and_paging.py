"""_sort on several keys, _count, _total, and keyset paging that stays correct while data changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.fhir.search import search

from .conftest import BASE, Find


def _patient(repo: Repository, family: str, birth: str, pid: str | None = None) -> str:
    return repo.create({"resourceType": "Patient", "name": [{"family": family}], "birthDate": birth},
                       resource_id=pid).id


def test_sort_by_string_ascending_and_date_descending(repo: Repository, find: Find) -> None:
    b = _patient(repo, "Bùi", "1980-01-01")
    a2 = _patient(repo, "An", "1990-01-01")
    a1 = _patient(repo, "Ân", "1970-01-01")  # folds to "an" too: the second key decides
    assert find("Patient", "_sort=family,-birthdate") == [a2, a1, b]
    assert find("Patient", "_sort=-birthdate") == [a2, b, a1]
    assert find("Patient", "_sort=birthdate") == [a1, b, a2]


def test_resources_without_the_sort_value_come_last_both_ways(repo: Repository, find: Find) -> None:
    dated = _patient(repo, "X", "1980-01-01")
    undated = repo.create({"resourceType": "Patient"}).id
    assert find("Patient", "_sort=birthdate") == [dated, undated]
    assert find("Patient", "_sort=-birthdate") == [dated, undated]


def test_sort_by_id_and_last_updated(repo: Repository, find: Find) -> None:
    ids = [_patient(repo, "X", "1980", pid=p) for p in ("c", "a", "b")]
    assert find("Patient", "_sort=_id") == ["a", "b", "c"]
    assert find("Patient", "_sort=-_lastUpdated") == list(reversed(ids))


def test_sort_on_an_unknown_parameter_is_a_400(repo: Repository, find: Find) -> None:
    with pytest.raises(FhirError) as exc:
        find("Patient", "_sort=shoe-size")
    assert exc.value.issues[0].expression == ("_sort",)


def _walk(repo: Repository, query: str, relation: str = "next", start: str | None = None) -> list[list[str]]:
    pages = []
    params = parse_qsl(query)
    while True:
        result = search(repo, "Patient", params, base_url=BASE)
        pages.append([e.id for e in result.matches])
        link = result.next_link if relation == "next" else result.previous_link
        if not link:
            return pages
        assert link.startswith(f"{BASE}/Patient?")
        params = parse_qsl(urlsplit(link).query)


def test_next_links_walk_every_match_exactly_once(repo: Repository) -> None:
    ids = sorted(_patient(repo, f"N{i:02d}", f"19{50 + i}", pid=f"p{i:02d}") for i in range(7))
    pages = _walk(repo, "_count=3&_sort=_id")
    assert pages == [ids[0:3], ids[3:6], ids[6:7]]


def test_previous_links_walk_back(repo: Repository) -> None:
    for i in range(7):
        _patient(repo, "X", "1970", pid=f"p{i}")
    first = search(repo, "Patient", [("_count", "3"), ("_sort", "_id")], base_url=BASE)
    assert first.previous_link is None
    second = search(repo, "Patient", parse_qsl(urlsplit(first.next_link or "").query), base_url=BASE)
    back = search(repo, "Patient", parse_qsl(urlsplit(second.previous_link or "").query), base_url=BASE)
    assert [e.id for e in back.matches] == ["p0", "p1", "p2"]
    assert back.previous_link is None


def test_pages_do_not_shift_when_resources_are_created_or_deleted_meanwhile(repo: Repository) -> None:
    for i in range(6):
        _patient(repo, "X", "1970", pid=f"p{i}")
    first = search(repo, "Patient", [("_count", "2"), ("_sort", "_id")], base_url=BASE)
    assert [e.id for e in first.matches] == ["p0", "p1"]
    _patient(repo, "X", "1970", pid="a-new")  # would sort first: must not push p1 onto page two
    repo.delete("Patient", "p0")
    second = search(repo, "Patient", parse_qsl(urlsplit(first.next_link or "").query), base_url=BASE)
    assert [e.id for e in second.matches] == ["p2", "p3"]
    assert second.total == 6  # counted when the first page ran


def test_total_modes_and_count_zero(repo: Repository, bundle: Callable[..., dict[str, Any]]) -> None:
    for i in range(5):
        _patient(repo, "X", "1970", pid=f"p{i}")
    assert bundle("Patient", "_count=2")["total"] == 5
    assert "total" not in bundle("Patient", "_count=2&_total=none")
    assert isinstance(bundle("Patient", "_count=2&_total=estimate")["total"], int)  # the planner's guess on PostgreSQL
    b = bundle("Patient", "_summary=count")
    assert b["total"] == 5 and "entry" not in b
    assert "entry" not in bundle("Patient", "_count=0")


def test_a_tampered_page_token_is_refused(repo: Repository, find: Find) -> None:
    with pytest.raises(FhirError) as exc:
        find("Patient", "_page=abc")
    assert exc.value.status == 400 and exc.value.issues[0].expression == ("_page",)


def test_count_must_be_a_number(repo: Repository, find: Find) -> None:
    with pytest.raises(FhirError) as exc:
        find("Patient", "_count=ten")
    assert exc.value.issues[0].expression == ("_count",)


def test_sort_by_token_and_by_number(repo: Repository, find: Find) -> None:
    def risk(pid: str, code: str, p: float) -> str:
        return repo.create({"resourceType": "RiskAssessment", "status": "final", "method": {"coding": [{"code": code}]},
                            "subject": {"reference": "Patient/x"}, "prediction": [{"probabilityDecimal": p}]},
                           resource_id=pid).id

    risk("r1", "b", 0.9)
    risk("r2", "a", 0.1)
    risk("r3", "c", 0.5)
    assert find("RiskAssessment", "_sort=method") == ["r2", "r1", "r3"]
    assert find("RiskAssessment", "_sort=-probability") == ["r1", "r3", "r2"]
    assert find("RiskAssessment", "_sort=probability&probability=gt0.2") == ["r3", "r1"]


def test_paging_with_a_descending_date_sort_and_ties(repo: Repository) -> None:
    for i in range(5):
        _patient(repo, "X", "1980-01-01" if i % 2 else "1990-01-01", pid=f"p{i}")
    pages = _walk(repo, "_count=2&_sort=-birthdate")
    flat = [pid for page in pages for pid in page]
    assert flat == ["p0", "p2", "p4", "p1", "p3"]
    assert [len(p) for p in pages] == [2, 2, 1]


def test_without_total_a_broad_search_is_counted_only_up_to_a_bound(repo: Repository, bundle: Callable[..., dict[str, Any]],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from benhan.fhir.search import engine

    monkeypatch.setattr(engine, "COUNT_BOUND", 3)
    for i in range(5):
        _patient(repo, "X", "1970", pid=f"p{i}")
    assert "total" not in bundle("Patient", "_count=2")
    assert bundle("Patient", "_count=2&family=x&_id=p0,p1,p2")["total"] == 3
    assert bundle("Patient", "_count=2&_total=accurate")["total"] == 5
    assert bundle("Patient", "_summary=count")["total"] == 5


def _all_pages(repo: Repository, query: list[tuple[str, str]]) -> tuple[list[str], list[str], Any]:
    """Ids page by page forwards, then backwards from the last page through the previous links."""
    forward: list[str] = []
    result = search(repo, "Patient", query, base_url=BASE)
    first_total = result.total
    pages = [result]
    while result.next_link:
        result = search(repo, "Patient", parse_qsl(urlsplit(result.next_link).query), base_url=BASE)
        pages.append(result)
    for p in pages:
        forward += [e.id for e in p.matches]
    backward: list[str] = []
    result = pages[-1]
    while result.previous_link:
        result = search(repo, "Patient", parse_qsl(urlsplit(result.previous_link).query), base_url=BASE)
        backward = [e.id for e in result.matches] + backward
    return forward, backward + [e.id for e in pages[-1].matches], first_total


def _record_walks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each walk of a type (engine._walk_page) held its page, in order."""
    from benhan.fhir.search import engine

    held: list[bool] = []
    real = engine._Search._walk_page

    def spy(self: Any, *args: Any) -> Any:
        page = real(self, *args)
        held.append(page is not None)
        return page

    monkeypatch.setattr(engine._Search, "_walk_page", spy)
    return held


@pytest.mark.parametrize(("window", "sparse"), [(5, False), (5, True), (1000, False)])
def test_broad_searches_page_alike_through_the_walk_of_the_type_or_all_matches(
        repo: Repository, monkeypatch: pytest.MonkeyPatch, window: int, sparse: bool) -> None:
    from benhan.fhir.search import engine

    # Few matches count as "broad" here, so the window path and its fall-back both run.
    monkeypatch.setattr(engine, "COUNT_BOUND", 3)
    monkeypatch.setattr(engine, "WINDOW_ROWS", window)
    found = _record_walks(monkeypatch)
    expected = []
    for _ in range(14):
        expected.append(_patient(repo, "Nguyễn", "1980"))
        if sparse:  # matches far apart: a window of 5 rows never holds a page
            for _ in range(6):
                _patient(repo, "Trần", "1990")
    forward, backward, total = _all_pages(repo, [("family", "nguyen"), ("_count", "4")])
    assert forward == expected and backward == expected
    assert any(found) != sparse  # the window held the pages, or (sparse) never did
    assert total is None  # more than the bound: not counted
    _, _, exact = _all_pages(repo, [("family", "nguyen"), ("_count", "4"), ("_total", "accurate")])
    assert exact == 14
    few, _, counted = _all_pages(repo, [("family", "nguyen"), ("_id", ",".join(expected[:3])), ("_count", "2")])
    assert few == expected[:3] and counted == 3


def test_a_broad_search_with_several_criteria_walks_to_the_same_pages_as_finding_all_matches(
        repo: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    from benhan.fhir.search import engine

    wanted = []
    for i in range(30):
        pid = _patient(repo, "Nguyễn" if i % 2 else "Trần", "1980-05-0" + str(1 + i % 3))
        if i % 2 and i % 3 == 1:
            wanted.append(pid)
    query = [("family", "nguyen"), ("birthdate", "1980-05-02"), ("gender:missing", "true"), ("_count", "2")]
    monkeypatch.setattr(engine, "COUNT_BOUND", 3)  # family and birthdate are "broad", :missing has no probe
    narrow_forward, _, _ = _all_pages(repo, query)
    walked = _record_walks(monkeypatch)
    query_without_missing = query[:2] + query[3:]
    forward, backward, total = _all_pages(repo, query_without_missing)
    assert forward == backward == narrow_forward == wanted
    assert walked and all(walked) and total is None
