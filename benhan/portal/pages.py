"""Helpers for the patient-app pages that other capabilities (booking, questions, feedback) add under /app/:
the profile this phone may open (else 404), the patient's repository acting for it, and rendering."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.repository import Repository

from .access import ALL_RECORDS, Opened, actor_for, open_profile, opened_profiles
from .models import Account
from .session import account_of


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def opened_or_404(request: HttpRequest, profile_id: int, *, acting: bool = True) -> Opened:
    """The profile if this phone may open it. `acting`: the page writes for the person (book, ask), which a
    results-only grant does not allow."""
    opened = open_profile(account_of(request), profile_id)
    if opened is None or (acting and opened.scopes != ALL_RECORDS):
        raise Http404(_("Không có hồ sơ này."))
    return opened


def acting_actor(account: Account, opened: Opened, writes: Iterable[str]) -> Actor:
    """The profile's patient actor, also allowed to write the given types (in the person's own compartments
    only: the repository checks every write against the profile's Patient ids)."""
    base = actor_for(account, opened)
    return replace(base, scopes=parse_scopes([*opened.scopes, *(f"patient/{t}.write" for t in writes)]))


def acting_repository(request: HttpRequest, opened: Opened, facility: str, writes: Iterable[str]) -> Repository:
    """The patient's repository for one facility (the tenant of what it writes), for a page that writes."""
    return Repository(acting_actor(account_of(request), opened, writes), facility, source_ip=client_ip(request),
                      purpose="PATRQT")


def page(request: HttpRequest, template: str, opened: Opened | None, context: Mapping[str, object],
         status: int = 200) -> HttpResponse:
    extra = {"opened": opened, "profile": opened.profile} if opened is not None else {}
    return render(request, f"portal/{template}", {**extra, **context}, status=status)


def redirect_to_holder(request: HttpRequest, patient_id: str | None, url_name: str, object_id: int) -> HttpResponse:
    """A notification's link carries no profile: open the object in whichever profile of this phone holds the
    person it belongs to (with full access), else 404."""
    for opened in opened_profiles(account_of(request)):
        if patient_id and patient_id in opened.patient_ids and opened.scopes == ALL_RECORDS:
            return HttpResponseRedirect(reverse(url_name, args=[opened.profile.pk, object_id]))
    raise Http404(_("Không tìm thấy."))
