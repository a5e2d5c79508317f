"""What the doctor holding a link sees, read through the share repository (pinned items only, audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy

from benhan.documents.kinds import KINDS
from benhan.documents.models import SignedDocument
from benhan.fhir.repository import Repository
from benhan.portal import records

from .models import ShareLink


@dataclass
class Person:
    name: str
    birth_date: date | None
    gender: str


@dataclass
class Shared:
    person: Person | None
    results: list[records.Result]
    papers: list[records.Paper]


GENDERS = {"male": gettext_lazy("Nam"), "female": gettext_lazy("Nữ")}


def _person(patient: dict[str, Any]) -> Person:
    names = patient.get("name") or [{}]
    first = names[0] if isinstance(names, list) and names else {}
    # Vietnamese order: family name first.
    name = str(first.get("text") or " ".join([first.get("family", ""), *first.get("given", [])]).strip())
    birth = str(patient.get("birthDate") or "")
    return Person(name, date.fromisoformat(birth) if len(birth) == 10 else None, str(GENDERS.get(str(patient.get("gender")), "")))


def _ids(link: ShareLink, rtype: str) -> list[str]:
    return [ref.split("/", 1)[1] for ref in link.items if ref.startswith(rtype + "/")]


def shared(repo: Repository, link: ShareLink) -> Shared:
    patients = [r.split("/", 1)[1] for r in link.readable if r.startswith("Patient/")]
    found = repo.read_many("Patient", patients[:1])
    results = [r for r in (records.result(repo, i) for i in _ids(link, "DiagnosticReport")) if r is not None]
    documents = repo.read_many("DocumentReference", _ids(link, "DocumentReference"))
    signed = {d.pk: d for d in SignedDocument.objects.filter(pk__in=[s.id for s in documents],
                                                              status=SignedDocument.Status.CURRENT)}
    names = records.facility_names({s.tenant for s in documents})
    papers = [records.Paper(s.id, KINDS[signed[s.id].kind].title.capitalize(), records._moment(s.json().get("date")),
                            names.get(s.tenant, s.tenant)) for s in documents if s.id in signed and signed[s.id].kind in KINDS]
    return Shared(_person(found[0].json()) if found else None, results, papers)
