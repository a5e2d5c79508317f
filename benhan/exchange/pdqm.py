"""PDQm (IHE ITI-78) demographic search of the provincial patient index, at the hub:
`GET /exchange/mpi/fhir/Patient?family=&given=&birthdate=&gender=&identifier=&telecom=&address=`.

Names and addresses match accent-insensitively (`fold`): `family` is the start of the name (the
Vietnamese surname comes first), `given` the start of any later word. The answer is a searchset
Bundle with one Patient per person (not per record): the person's demographics from their most
recently reported record, an identifier and a `link` (seealso) per facility record, so a caller
sees at once where the person has records. Needs a read scope on Patient for the hub's facility;
each search is audited.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from benhan.fhir.errors import FhirError, Issue
from benhan.vn.text import fold

from .matching import _phone
from .models import IndexedRecord
from .patient_index import BHYT_SYSTEM, CCCD_SYSTEM, RECORD_SYSTEM_PREFIX, _bhxh

JSON = dict[str, Any]
PERSON_SYSTEM = "https://benhan.vn/fhir/sid/nguoi-benh-tinh"  # the hub's person id
PARAMS = {"family", "given", "name", "birthdate", "gender", "identifier", "telecom", "phone", "address", "_count",
          "_format"}
PREFIXES = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}
MAX_COUNT = 200


def _bad(param: str, text: str) -> FhirError:
    return FhirError(400, [Issue("invalid", text, (param,))])


def _birthdate(value: str) -> Q:
    prefix, rest = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
    try:
        if len(rest) == 4:  # a year: the whole year
            year = int(rest)
            if prefix == "eq":
                return Q(birth_date__year=year)
            rest = f"{year}-01-01" if prefix in ("ge", "lt") else f"{year}-12-31"
        day = date.fromisoformat(rest)
    except ValueError as exc:
        raise _bad("birthdate", f"birthdate must be [eq|ge|le|gt|lt]YYYY-MM-DD or YYYY, not {value!r}") from exc
    return Q(**{f"birth_date{PREFIXES[prefix]}": day})


def _identifier(value: str) -> Q:
    system, _bar, code = value.rpartition("|")
    code = code.strip()
    if not code:
        raise _bad("identifier", "identifier needs a value (system|value or value)")
    if not system:
        return Q(cccd=code) | Q(bhxh_number=_bhxh(code)) | Q(patient_id=code)
    if system == CCCD_SYSTEM:
        return Q(cccd=code)
    if system == BHYT_SYSTEM:
        return Q(bhxh_number=_bhxh(code))
    if system == PERSON_SYSTEM:
        return Q(person_id=int(code)) if code.isdigit() else Q(pk__in=[])
    if system.startswith(RECORD_SYSTEM_PREFIX):
        return Q(facility=system[len(RECORD_SYSTEM_PREFIX):], patient_id=code)
    return Q(pk__in=[])  # a system the index does not hold: nothing matches


def _criterion(name: str, value: str) -> Q:
    """One parameter; comma-separated values are alternatives (FHIR OR)."""
    alternatives = Q(pk__in=[])
    for one in value.split(","):
        one = one.strip()
        if not one:
            raise _bad(name, f"{name} has an empty value")
        folded = fold(one)
        if name == "family":
            q = Q(name_key=folded) | Q(name_key__startswith=folded + " ")
        elif name == "given":
            q = Q(name_key__contains=" " + folded)
        elif name == "name":
            q = Q(name_key__startswith=folded) | Q(name_key__contains=" " + folded)
        elif name == "birthdate":
            q = _birthdate(one)
        elif name == "gender":
            if one not in ("male", "female", "other", "unknown"):
                raise _bad("gender", "gender is male, female, other or unknown")
            q = Q(sex=one)
        elif name == "identifier":
            q = _identifier(one)
        elif name in ("telecom", "phone"):
            q = Q(phone=_phone(one.rpartition("|")[2]))
        else:  # address
            q = Q(address_key__contains=folded) | Q(commune=one)
        alternatives |= q
    return alternatives


def matching_records(params: list[tuple[str, str]]) -> QuerySet[IndexedRecord]:
    unknown = sorted({k.split(":")[0] for k, _v in params} - PARAMS)
    if unknown:
        raise _bad(unknown[0], f"PDQm search does not support the parameter {unknown[0]!r}")
    criteria = [(k, v) for k, v in params if not k.startswith("_")]
    if not criteria:
        raise _bad("Patient", "give at least one demographic parameter (family, given, birthdate, identifier...)")
    found = IndexedRecord.objects.all()
    for name, value in criteria:
        found = found.filter(_criterion(name.split(":")[0], value))
    return found


def _patient(person_id: int, records: list[IndexedRecord], names: dict[str, str]) -> JSON:
    newest = max(records, key=lambda r: r.updated)
    patient: JSON = {"resourceType": "Patient", "id": str(person_id),
                     "identifier": [{"system": PERSON_SYSTEM, "value": str(person_id)}]}
    for system, value in ((CCCD_SYSTEM, newest.cccd), (BHYT_SYSTEM, newest.bhyt)):
        if value:
            patient["identifier"].append({"system": system, "value": value})
    for r in records:
        patient["identifier"].append({"system": RECORD_SYSTEM_PREFIX + r.facility, "value": r.patient_id,
                                      "assigner": {"display": names.get(r.facility, r.facility)}})
    patient["name"] = [{"text": newest.name}]
    if newest.sex:
        patient["gender"] = newest.sex
    if newest.birth_date:
        patient["birthDate"] = newest.birth_date.isoformat()
    if newest.phone:
        patient["telecom"] = [{"system": "phone", "value": newest.phone}]
    if newest.address:
        patient["address"] = [{"text": newest.address}]
    patient["link"] = [{"other": {"identifier": {"system": RECORD_SYSTEM_PREFIX + r.facility, "value": r.patient_id},
                                  "display": names.get(r.facility, r.facility)}, "type": "seealso"} for r in records]
    return patient


def search_persons(params: list[tuple[str, str]], *, base_url: str) -> JSON:
    """The searchset Bundle: one Patient per matched person, with every record the index holds for them."""
    from .record_view import facility_name

    count_text = next((v for k, v in params if k == "_count"), "50")
    if not count_text.isdigit():
        raise _bad("_count", "_count must be a whole number")
    count = min(int(count_text), MAX_COUNT)
    persons = list(OrderedDict.fromkeys(matching_records(params).order_by("person_id").values_list("person_id", flat=True)))
    shown = persons[:count]
    by_person: dict[int, list[IndexedRecord]] = {p: [] for p in shown}
    for record in IndexedRecord.objects.filter(person_id__in=shown).order_by("facility", "patient_id"):
        by_person[record.person_id].append(record)
    names = {code: facility_name(code) for code in {r.facility for rs in by_person.values() for r in rs}}
    entries = [{"fullUrl": f"{base_url}/Patient/{p}", "resource": _patient(p, rs, names), "search": {"mode": "match"}}
               for p, rs in by_person.items()]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(persons), "entry": entries}
