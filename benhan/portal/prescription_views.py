"""The app's prescriptions page (kept apart from views.py so that screens added in parallel do not collide)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .access import repository_for
from .prescriptions import prescriptions as prescriptions_of
from .session import account_of, patient_required
from .views import _opened, client_ip


@require_GET
@patient_required
def prescriptions(request: HttpRequest, profile_id: int) -> HttpResponse:
    opened = _opened(request, profile_id)
    if opened.results_only:
        raise Http404
    repo = repository_for(account_of(request), opened, client_ip(request))
    return render(request, "portal/prescriptions.html", {"opened": opened, "profile": opened.profile,
                                                         "prescriptions": prescriptions_of(repo, opened.patient_ids)})
