"""Property test: for generated resources and queries, the database's answer equals a plain
in-memory evaluation of the FHIR rules (on whichever database the suite runs)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benhan.fhir.repository import Repository
from benhan.fhir.search import search
from benhan.vn.text import fold

SYLLABLES = ["Nguyễn", "Trần", "Lê", "Phạm", "Đặng", "Ngô", "An", "Ân", "Bình", "Đức", "Thị", "Văn", "Hoa", "Huệ"]
names = st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=2)
birth = st.dates(min_value=date(1968, 1, 1), max_value=date(1972, 12, 31))
patient_st = st.fixed_dictionaries({
    "family": st.sampled_from(SYLLABLES),
    "given": names,
    "gender": st.sampled_from(["male", "female", "other"]),
    "birth": st.one_of(st.none(), birth),
    "weight": st.one_of(st.none(), st.integers(min_value=300, max_value=1200).map(lambda n: Decimal(n) / 10)),
})
PREFIXES = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"]


def _year_month_day(d: date, precision: int) -> tuple[str, date, date]:
    if precision == 0:
        return f"{d.year}", date(d.year, 1, 1), date(d.year, 12, 31)
    if precision == 1:
        end = (date(d.year + (d.month == 12), d.month % 12 + 1, 1)) - timedelta(days=1)
        return f"{d.year}-{d.month:02d}", date(d.year, d.month, 1), end
    return d.isoformat(), d, d


def _date_matches(prefix: str, value: date, lo: date, hi: date) -> bool:
    """The R4 date prefixes for a one-day value against the query's [lo, hi] days."""
    return {
        "eq": lo <= value <= hi, "ne": not (lo <= value <= hi), "gt": value > hi, "lt": value < lo,
        "ge": value >= lo, "le": value <= hi, "sa": value > hi, "eb": value < lo,
    }[prefix]


def _number_matches(prefix: str, value: Decimal, q: Decimal) -> bool:
    half = Decimal(5).scaleb(q.as_tuple().exponent - 1)  # type: ignore[operator]
    return {
        "eq": q - half <= value < q + half, "ne": not (q - half <= value < q + half), "gt": value > q,
        "lt": value < q, "ge": value >= q, "le": value <= q, "sa": value > q, "eb": value < q,
    }[prefix]


query_st = st.one_of(
    st.tuples(st.just("name"), st.sampled_from(SYLLABLES), st.integers(1, 4)),
    st.tuples(st.just("gender"), st.sampled_from(["male", "female", "other", "unknown"]), st.just(0)),
    st.tuples(st.just("birthdate"), st.sampled_from(PREFIXES), st.tuples(birth, st.integers(0, 2))),
    st.tuples(st.just("weight"), st.sampled_from(PREFIXES), st.sampled_from(["50", "75.5", "80.0", "100"])),
)


def _expected(query: tuple[Any, ...], people: list[dict[str, Any]]) -> set[int]:
    kind = query[0]
    out = set()
    for i, p in enumerate(people):
        if kind == "name":
            prefix = fold(query[1])[: query[2]]
            parts = [p["family"], *p["given"], f"{p['family']} {' '.join(p['given'])}"]
            ok = any(fold(part).startswith(prefix) for part in parts)
        elif kind == "gender":
            ok = p["gender"] == query[1]
        elif kind == "birthdate":
            _, lo, hi = _year_month_day(*query[2])
            ok = p["birth"] is not None and _date_matches(query[1], p["birth"], lo, hi)
        else:
            ok = p["weight"] is not None and _number_matches(query[1], p["weight"], Decimal(query[2]))
        if ok:
            out.add(i)
    return out


def _to_params(query: tuple[Any, ...]) -> list[tuple[str, str]]:
    kind = query[0]
    if kind == "name":
        return [("name", fold(query[1])[: query[2]])]
    if kind == "gender":
        return [("gender", query[1])]
    if kind == "birthdate":
        return [("birthdate", query[1] + _year_month_day(*query[2])[0])]
    return [("_has:Observation:subject:value-quantity", f"{query[1]}{query[2]}")]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(patient_st, min_size=1, max_size=6), queries=st.lists(query_st, min_size=1, max_size=4))
def test_database_search_agrees_with_in_memory_evaluation(repo: Repository, people: list[dict[str, Any]],
                                                         queries: list[tuple[Any, ...]]) -> None:
    with transaction.atomic():
        ids = []
        for p in people:
            resource: dict[str, Any] = {"resourceType": "Patient", "gender": p["gender"],
                                        "name": [{"family": p["family"], "given": p["given"]}]}
            if p["birth"]:
                resource["birthDate"] = p["birth"].isoformat()
            pid = repo.create(resource).id
            ids.append(pid)
            if p["weight"] is not None:
                repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "cân nặng"},
                             "subject": {"reference": f"Patient/{pid}"},
                             "valueQuantity": {"value": float(p["weight"]), "unit": "kg"}})
        for query in queries:
            got = {e.id for e in search(repo, "Patient", [*_to_params(query), ("_count", "100")], base_url="").matches}
            assert got == {ids[i] for i in _expected(query, people)}, query
        # Several criteria at once are their intersection.
        params = [pair for q in queries for pair in _to_params(q)]
        got = {e.id for e in search(repo, "Patient", [*params, ("_count", "100")], base_url="").matches}
        want = set(range(len(people)))
        for q in queries:
            want &= _expected(q, people)
        assert got == {ids[i] for i in want}
        transaction.set_rollback(True)
