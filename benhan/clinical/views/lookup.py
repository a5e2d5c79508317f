"""Suggestions while typing (htmx fills a <datalist>): ICD-10 codes and drugs from the catalogues."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from benhan.accounts.decorators import role_required

from .. import catalogs


@role_required()
def icd10(request: HttpRequest) -> HttpResponse:
    query = next((v for k, v in request.GET.items() if v.strip()), "")
    options = [(code, f"{code} – {name}") for code, name in catalogs.search_icd10(query)]
    return render(request, "clinical/options.html", {"options": options})


@role_required()
def drugs(request: HttpRequest) -> HttpResponse:
    query = next((v for k, v in request.GET.items() if v.strip()), "")
    options = [(d.code, f"{d.name} {d.strength} ({d.unit})") for d in catalogs.search_drugs(query)]
    return render(request, "clinical/options.html", {"options": options})
