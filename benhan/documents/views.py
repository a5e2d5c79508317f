"""Download and verification pages: read input, call the documents API, render. Nothing else."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..accounts.actors import repository_for_request
from ..accounts.decorators import staff_required
from ..fhir.errors import FhirError
from .models import SignedDocument
from .sign import history, signed_pdf
from .verification import verify


def _document(doc_id: str) -> SignedDocument:
    try:
        return SignedDocument.objects.select_related("signer").get(pk=doc_id)
    except SignedDocument.DoesNotExist as exc:
        raise Http404("không có giấy tờ này") from exc


def _forbidden_or_missing(exc: FhirError) -> HttpResponse:
    if exc.status == 403:
        return HttpResponse("Không có quyền xem giấy tờ này.", status=403, content_type="text/plain; charset=utf-8")
    raise Http404(str(exc)) from exc


@require_GET
@staff_required
def download(request: HttpRequest, doc_id: str) -> HttpResponse:
    """The signed PDF exactly as signed; every download or print is in the audit trail."""
    doc = _document(doc_id)
    printing = request.GET.get("inline") == "1"
    try:
        pdf = signed_pdf(repository_for_request(request), doc, interaction="print" if printing else "download")
    except FhirError as exc:
        return _forbidden_or_missing(exc)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if printing else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{doc.kind}-{doc.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@staff_required
def verify_page(request: HttpRequest, doc_id: str) -> HttpResponse:
    doc = _document(doc_id)
    repo = repository_for_request(request)
    try:
        result = verify(repo, doc)
    except FhirError as exc:
        return _forbidden_or_missing(exc)
    return render(request, "documents/verify.html", {"doc": doc, "v": result, "versions": history(doc)})
