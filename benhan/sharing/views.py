"""Share-link pages: the patient's (make, list with every use, revoke) under /app/, and the viewer's
at /xem/<token>/ for a doctor without an account."""

from __future__ import annotations

from datetime import date, datetime

import segno
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benhan.fhir.errors import FhirError
from benhan.portal import records
from benhan.portal.access import Opened, open_profile, repository_for
from benhan.portal.session import account_of, patient_required

from . import links, viewer
from .models import ShareLink
from .policy import share_repository

COOKIE = "benhan_share"
LIFETIME_LABELS = {1: gettext_lazy("1 giờ"), 24: gettext_lazy("1 ngày"), 72: gettext_lazy("3 ngày"),
                   168: gettext_lazy("7 ngày"), 720: gettext_lazy("30 ngày")}


def _ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _managed(request: HttpRequest, profile_id: int) -> Opened:
    opened = open_profile(account_of(request), profile_id)
    if opened is None or not opened.can_manage:
        raise Http404(_("Không có hồ sơ này."))
    return opened


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def qr_svg(url: str) -> str:
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


# --- the patient's side --------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@patient_required
def manage(request: HttpRequest, profile_id: int) -> HttpResponse:
    account, opened = account_of(request), _managed(request, profile_id)
    repo = repository_for(account, opened, _ip(request))
    context: dict[str, object] = {"opened": opened, "profile": opened.profile, "lifetimes": LIFETIME_LABELS.items()}
    status = 200
    if request.method == "POST":
        post = request.POST
        period = None
        if post.get("mode") == "period":
            start, end = _date(post.get("from", "")), _date(post.get("to", ""))
            if start is None or end is None:
                context["error"], status = _("Nhập khoảng thời gian dạng ngày/tháng/năm."), 400
            period = (start, end) if start and end else None
        if status == 200:
            try:
                link, token = links.create(
                    account, opened, repo, report_ids=post.getlist("report"), document_ids=post.getlist("document"),
                    period=period, hours=int(post.get("hours", "0") or 0), passcode=post.get("passcode", ""),
                    label=post.get("label", ""))
            except (links.ShareError, ValueError) as exc:
                context["error"], status = str(exc) if isinstance(exc, links.ShareError) else _("Thời hạn không hợp lệ."), 400
            else:
                url = request.build_absolute_uri(reverse("sharing:view", args=[token]))
                response = render(request, "sharing/created.html", {**context, "link": link, "url": url, "qr": qr_svg(url)})
                response["Cache-Control"] = "no-store"  # the token is shown this once: never kept offline
                return response
    choice = links.shareable(repo, opened)
    return render(request, "sharing/manage.html", {**context, "choice": choice, "links": links.links_of(opened),
                                                   "now_status": links.status, "form": request.POST}, status=status)


@require_POST
@patient_required
def revoke(request: HttpRequest, profile_id: int, link_id: int) -> HttpResponse:
    _managed(request, profile_id)
    try:
        links.revoke(account_of(request), link_id)
    except links.ShareError as exc:
        raise Http404(str(exc)) from exc
    return HttpResponseRedirect(reverse("sharing:manage", args=[profile_id]))


# --- the viewer's side ---------------------------------------------------------------------------
def _visit(request: HttpRequest) -> links.Visit:
    return links.Visit(_ip(request), str(request.META.get("HTTP_USER_AGENT", "")))


def _unlocked(request: HttpRequest, link: ShareLink) -> bool:
    if not link.passcode_hash:
        return True
    try:
        return signing.loads(request.COOKIES.get(COOKIE, ""), salt="sharing.passcode", max_age=12 * 3600) == link.pk
    except signing.BadSignature:
        return False


def _refused(request: HttpRequest, exc: links.ShareError) -> HttpResponse:
    status = 404 if exc.code == "not_found" else 410
    response = render(request, "sharing/refused.html", {"error": str(exc)}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def view(request: HttpRequest, token: str) -> HttpResponse:
    visit = _visit(request)
    try:
        link = links.open_link(token, visit)
    except links.ShareError as exc:
        return _refused(request, exc)
    if request.method == "POST" and link.passcode_hash:
        if links.check_passcode(link, request.POST.get("passcode", ""), visit):
            response: HttpResponse = HttpResponseRedirect(request.path)
            response.set_cookie(COOKIE, signing.dumps(link.pk, salt="sharing.passcode"), max_age=12 * 3600,
                                path=request.path, httponly=True, samesite="Lax")
            return response
        if links.status(link) == "locked":
            return _refused(request, links.ShareError(str(links.REFUSALS["locked"]), "locked"))
        response = render(request, "sharing/passcode.html", {"error": _("Mã bảo vệ không đúng.")}, status=403)
        response["Cache-Control"] = "no-store"
        return response
    if not _unlocked(request, link):
        response = render(request, "sharing/passcode.html", {})
        response["Cache-Control"] = "no-store"
        return response
    links.log(link, visit, "open")
    shown = viewer.shared(share_repository(link, visit.ip), link)
    response = render(request, "sharing/view.html", {"link": link, "shared": shown, "token": token})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL: never sent onwards
    return response


@require_GET
def download(request: HttpRequest, token: str, document_id: str) -> HttpResponse:
    visit = _visit(request)
    try:
        link = links.open_link(token, visit)
    except links.ShareError as exc:
        return _refused(request, exc)
    if not _unlocked(request, link):
        return HttpResponseRedirect(reverse("sharing:view", args=[token]))
    try:
        document, pdf = records.download(share_repository(link, visit.ip), document_id)
    except FhirError as exc:
        links.log(link, visit, "download", f"DocumentReference/{document_id}", ok=False)
        raise Http404(_("Không có giấy tờ này.")) from exc
    links.log(link, visit, "download", f"DocumentReference/{document_id}")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.kind}-{document.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
