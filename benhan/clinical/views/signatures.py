"""Papers waiting for a remote CA: their state on the encounter page (refreshed by htmx) and sending
a refused or failed request again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from benhan.accounts.decorators import role_required
from benhan.documents.kinds import KINDS
from benhan.documents.models import PendingSignature
from benhan.documents.pending import job_of, pending_for_encounter, retry
from benhan.documents.signing.keys import SigningError
from benhan.jobs.models import Job

from .common import post, repo_for, staff
from .present import vn_datetime


def pending_rows(encounter_id: str, facility: str) -> list[dict[str, Any]]:
    """The encounter's unsigned requests as the page shows them (this facility's only)."""
    rows = []
    for p in pending_for_encounter(encounter_id):
        if p.facility_code != facility:
            continue
        job = job_of(p)
        waiting_retry = job is not None and job.status == Job.Status.QUEUED and p.attempts > 0
        rows.append({"id": p.pk, "title": KINDS[p.kind].title, "status": p.status, "status_label": p.get_status_display(),
                     "attempts": p.attempts, "error": p.last_error, "signer_id": p.signer_id,
                     "next_try": vn_datetime(job.run_after) if waiting_retry and job else ""})
    return rows


def any_awaiting(rows: list[dict[str, Any]]) -> bool:
    """Whether the block should keep polling (a refused or failed request waits for the signer, not for us)."""
    return any(r["status"] == PendingSignature.Status.AWAITING for r in rows)


@role_required()
@require_GET
def pending_fragment(request: HttpRequest, encounter_id: str) -> HttpResponse:
    """The requests block alone, for the page's polling; once none is waiting the page reloads to show the paper."""
    rows = pending_rows(encounter_id, repo_for(request).facility)
    awaiting = any_awaiting(rows)
    response = render(request, "clinical/_pending.html", {"pending": rows, "pending_awaiting": awaiting,
                                                         "encounter_id": encounter_id})
    if not awaiting:
        response["HX-Refresh"] = "true"
    return response


@role_required()
@require_POST
def retry_pending(request: HttpRequest, pending_id: str) -> HttpResponse:
    pending = get_object_or_404(PendingSignature, pk=pending_id, facility_code=repo_for(request).facility)
    try:
        retry(pending, staff(request))
        messages.success(request, _("Đã gửi lại yêu cầu ký số tới điện thoại của người ký."))
    except SigningError as exc:
        messages.error(request, _("Không gửi lại được: %(reason)s") % {"reason": str(exc)})
    back = post(request, "next")
    return redirect(back if back.startswith("/ui/") else "clinical:home")
