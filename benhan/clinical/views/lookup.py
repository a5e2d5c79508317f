"""Suggestions while typing (htmx fills a <datalist>): ICD-10 codes and drugs from the catalogues."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from benhan.accounts.decorators import role_required

from .. import catalogs


def _typed(request: HttpRequest) -> str:
    """What was typed: htmx sends the input under its own name (main_diagnosis, drug_0, ...)."""
    return next((str(v) for v in request.GET.values() if str(v).strip()), "")


@role_required()
def icd10(request: HttpRequest) -> HttpResponse:
    query = _typed(request)
    options = [(code, f"{code} – {name}") for code, name in catalogs.search_icd10(query)]
    return render(request, "clinical/options.html", {"options": options})


@role_required()
def drugs(request: HttpRequest) -> HttpResponse:
    query = _typed(request)
    options = [(d.code, f"{d.name} {d.strength} ({d.unit})") for d in catalogs.search_drugs(query)]
    return render(request, "clinical/options.html", {"options": options})
