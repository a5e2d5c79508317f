"""Home page of the clinician UI: the staff member's facility at a glance and their shortcuts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from benhan.accounts.actors import current_facility
from benhan.accounts.decorators import staff_required
from benhan.accounts.models import Facility, User
from benhan.accounts.navigation import items_for
from benhan.facilities.structure import facility_counts


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    facility = Facility.objects.filter(code=current_facility(request)).first()
    shortcuts = [(item, url) for item, url in items_for(request.user) if item.url_name != "core:home"]
    return render(request, "core/home.html", {
        "facility": facility,
        "counts": facility_counts(facility) if facility else {},
        "shortcuts": shortcuts,
        "today": timezone.localdate(),
    })
