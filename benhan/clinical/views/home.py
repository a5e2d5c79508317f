"""The clinical start page: today's queue of a room and the open encounters of the facility."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from benhan.accounts.decorators import role_required

from ..models import ChartEntry, QueueTicket
from ..workflows import visits
from .common import repo_for
from .patients import exam_rooms
from .present import encounter_summary, patient_summary


@role_required()
def home(request: HttpRequest) -> HttpResponse:
    repo = repo_for(request)
    rooms = exam_rooms(repo.facility)
    room = request.GET.get("phong") or (rooms[0].code if rooms else "")
    tickets = list(QueueTicket.objects.filter(facility=repo.facility, day=timezone.localdate(), room=room)
                   .exclude(status=QueueTicket.Status.DONE).order_by("number")[:100])
    patients = {s.id: patient_summary(s.json()) for s in repo.read_many("Patient", [t.patient_id for t in tickets])}
    inpatient_ids = list(ChartEntry.objects.filter(tenant=repo.facility, resource_type="Encounter", status="in-progress")
                         .order_by("-sort_date").values_list("resource_id", flat=True).distinct()[:200])
    stays = [s.json() for s in repo.read_many("Encounter", inpatient_ids)]
    stays = [e for e in stays if (e.get("class") or {}).get("code") == "IMP"]
    stay_patients = {s.id: patient_summary(s.json())
                     for s in repo.read_many("Patient", [e["subject"]["reference"].split("/")[1] for e in stays])}
    return render(request, "clinical/home.html", {
        "rooms": rooms, "room": room,
        "queue": [{"ticket": t, "patient": patients.get(t.patient_id)} for t in tickets],
        "stays": [{"encounter": encounter_summary(e), "patient": stay_patients.get(e["subject"]["reference"].split("/")[1])}
                  for e in stays],
    })


@role_required("doctor", "nurse")
@require_POST
def call_next(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import redirect

    repo = repo_for(request)
    room = request.POST.get("room", "")
    ticket = visits.call_next(repo.facility, room)
    if ticket is None:
        return redirect(f"/ui/?phong={room}")
    return redirect("clinical:encounter", encounter_id=ticket.encounter_id)
