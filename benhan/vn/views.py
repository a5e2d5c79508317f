"""Catalog pages: search (htmx, as you type) and import with preview → confirm."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from benhan.accounts.decorators import admin_required, staff_required

from . import catalog_import
from .catalog_search import search
from .forms import CatalogUploadForm
from .models import CatalogImport, LabTest

PAGE_SIZE = 50


def _spec(kind: str) -> catalog_import.CatalogSpec:
    try:
        return catalog_import.specs()[kind]
    except KeyError as exc:
        raise Http404 from exc


@staff_required
def catalogs(request: HttpRequest) -> HttpResponse:
    return catalog_list(request, "icd10")


@staff_required
def catalog_list(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _spec(kind)
    query = request.GET.get("q", "").strip()
    entries = search(spec.model, query, limit=PAGE_SIZE)
    context = {"spec": spec, "kind": kind, "entries": entries, "q": query, "specs": catalog_import.specs(),
               "total": spec.model.objects.filter(active=True).count()}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, f"vn/_rows_{kind}.html", context)
    return render(request, "vn/catalog_list.html", context)


@admin_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _spec(kind)
    form = CatalogUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = CatalogImport.objects.create(kind=kind, filename=upload.name, content=upload.read(),
                                             created_by=request.user.get_username())
        return redirect("vn:import-preview", pk=batch.pk)
    return render(request, "vn/import_upload.html", {"form": form, "spec": spec, "kind": kind},
                  status=400 if form.errors else 200)


@admin_required
@require_POST
def toggle_release_after_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a lab test "release after review" (or unmark it): its results reach the patient app only
    after a doctor has gone over them with the patient, or after the facility's delay."""
    test = get_object_or_404(LabTest, pk=pk)
    test.release_after_review = not test.release_after_review
    test.save(update_fields=["release_after_review", "updated"])
    messages.success(request, _("Đã lưu: %(name)s.") % {"name": test.name})
    return redirect("vn:catalog", kind="labtest")


REJECTED_ON_PAGE = 200  # the rest is in the downloadable report


def _pending(pk: int) -> CatalogImport:
    return get_object_or_404(CatalogImport, pk=pk, status=CatalogImport.Status.PREVIEW)


@admin_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _pending(pk)
    spec = _spec(batch.kind)
    result = catalog_import.preview(batch.kind, batch.filename, bytes(batch.content))
    return render(request, "vn/import_preview.html", {
        "batch": batch, "spec": spec, "result": result, "sample": result.accepted[:20],
        "columns": spec.columns, "rejected_shown": result.rejected[:REJECTED_ON_PAGE],
    })


@admin_required
def import_rejected_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected-row report as CSV (row number, reason), for fixing the sheet and uploading it again."""
    batch = _pending(pk)
    result = catalog_import.preview(batch.kind, batch.filename, bytes(batch.content))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dong-bi-loai-{batch.pk}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV with Vietnamese letters only with the BOM
    writer = csv.writer(response)
    writer.writerow([_("Dòng"), _("Lý do")])
    for r in result.rejected:
        writer.writerow([r.row, r.reason])
    return response


@require_POST
@admin_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _pending(pk)
    result = catalog_import.preview(batch.kind, batch.filename, bytes(batch.content))
    if not result.ok:
        messages.error(request, _("Không có dòng hợp lệ nào để nhập."))
        return redirect("vn:import-preview", pk=batch.pk)
    stored = catalog_import.apply(result)
    batch.status = CatalogImport.Status.CONFIRMED
    batch.accepted, batch.rejected = stored, len(result.rejected)
    batch.content = b""  # the file has served its purpose; the catalog now holds the data
    batch.save(update_fields=["status", "accepted", "rejected", "content"])
    messages.success(request, _("Đã nhập %(count)s dòng vào danh mục %(name)s.")
                     % {"count": stored, "name": _spec(batch.kind).label})
    return redirect("vn:catalog", kind=batch.kind)


@require_POST
@admin_required
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _pending(pk)
    batch.status = CatalogImport.Status.CANCELLED
    batch.content = b""
    batch.save(update_fields=["status", "content"])
    messages.info(request, _("Đã huỷ, danh mục không thay đổi."))
    return redirect("vn:catalog", kind=batch.kind)


@staff_required
def communes(request: HttpRequest) -> HttpResponse:
    """Commune picker (htmx): `?q=lam thao&province=25` → <option>s."""
    from .admin_units import search_communes

    units = search_communes(request.GET.get("q", ""), request.GET.get("province") or None)
    return render(request, "vn/_commune_options.html", {"units": units})
