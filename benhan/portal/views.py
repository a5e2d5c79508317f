"""Patient app pages: read the form, call the portal functions, render. Nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benhan.fhir.errors import FhirError

from . import family, linking, otp, records
from .access import Opened, actor_for, open_profile, opened_profiles, repository_for
from .models import Account, OtpChallenge, Profile, ProxyGrant
from .phones import masked, normalise
from .session import account_of, patient_required, with_portal_session
from .sms import configured_sender

_LOGIN_CHALLENGE = "login_challenge"
_LINK_CHALLENGE = "link_challenge"
_SW = Path(__file__).parent / "static" / "portal" / "sw.js"


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _opened(request: HttpRequest, profile_id: int) -> Opened:
    opened = open_profile(account_of(request), profile_id)
    if opened is None:
        raise Http404(_("Không có hồ sơ này."))
    return opened


def _page(request: HttpRequest, template: str, context: Mapping[str, object], status: int = 200) -> HttpResponse:
    return render(request, f"portal/{template}", context, status=status)


# --- login ---------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@with_portal_session
def login(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        if request.portal.account is not None:  # type: ignore[attr-defined]
            return HttpResponseRedirect(reverse("portal:home"))
        return _page(request, "login.html", {})
    phone = normalise(request.POST.get("phone", ""))
    if not phone:
        return _page(request, "login.html", {"error": _("Số điện thoại không hợp lệ."), "phone": request.POST.get("phone", "")}, 400)
    try:
        challenge = otp.send_code(configured_sender(), phone, OtpChallenge.Purpose.LOGIN, ip=client_ip(request))
    except otp.OtpError as exc:
        return _page(request, "login.html", {"error": str(exc), "phone": phone}, 429 if exc.code == "rate_limited" else 503)
    request.portal[_LOGIN_CHALLENGE] = challenge.pk  # type: ignore[attr-defined]
    return HttpResponseRedirect(reverse("portal:login_code"))


@require_http_methods(["GET", "POST"])
@with_portal_session
def login_code(request: HttpRequest) -> HttpResponse:
    challenge_id = request.portal.get(_LOGIN_CHALLENGE)  # type: ignore[attr-defined]
    challenge = OtpChallenge.objects.filter(pk=challenge_id).first() if challenge_id else None
    if challenge is None:
        return HttpResponseRedirect(reverse("portal:login"))
    context = {"phone": masked(challenge.phone)}
    if request.method == "GET":
        return _page(request, "login_code.html", context)
    try:
        verified = otp.verify_code(challenge.pk, request.POST.get("code", ""), OtpChallenge.Purpose.LOGIN)
    except otp.OtpError as exc:
        return _page(request, "login_code.html", {**context, "error": str(exc)}, 400)
    account, _created = Account.objects.get_or_create(phone=verified.challenge.phone)
    request.portal.log_in(account)  # type: ignore[attr-defined]
    return HttpResponseRedirect(after_login(request))


def after_login(request: HttpRequest) -> str:
    """Where login leads: back to the page that asked for it (an app's authorize request), else home."""
    target = request.portal.pop("after_login", "") or ""  # type: ignore[attr-defined]
    return str(target) if target.startswith("/app/") and not target.startswith("//") else reverse("portal:home")


@require_POST
@with_portal_session
def logout(request: HttpRequest) -> HttpResponse:
    request.portal.log_out()  # type: ignore[attr-defined]
    return _page(request, "logged_out.html", {})


# --- home and linking ----------------------------------------------------------------------------
@require_GET
@patient_required
def home(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    return _page(request, "home.html", {"account": account, "profiles": opened_profiles(account)})


def _parse_birth(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def _relation(request: HttpRequest) -> str:
    return Profile.Relation.CHILD if request.POST.get("relation") == "child" else Profile.Relation.SELF


@require_http_methods(["GET", "POST"])
@patient_required
def link(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, "link.html", {})
    account, ip = account_of(request), client_ip(request)
    form = dict(request.POST.items())
    try:
        if request.POST.get("method") == "activation":
            linking.redeem_activation_code(account, request.POST.get("activation_code", ""), _relation(request), ip)
            return HttpResponseRedirect(reverse("portal:home"))
        birth = _parse_birth(request.POST.get("birth_date", ""))
        cccd = request.POST.get("cccd", "").strip()
        if birth is None or not cccd.isdigit() or len(cccd) != 12:
            return _page(request, "link.html", {"error": _("Nhập số CCCD 12 chữ số và ngày sinh dạng ngày/tháng/năm."),
                                                "form": form}, 400)
        challenge, phone = linking.start_cccd_link(configured_sender(), account, cccd, birth, _relation(request), ip)
    except (linking.LinkError, otp.OtpError) as exc:
        status = 429 if exc.code == "rate_limited" else 400
        return _page(request, "link.html", {"error": str(exc), "form": form}, status)
    request.portal[_LINK_CHALLENGE] = challenge.pk  # type: ignore[attr-defined]
    return _page(request, "link_code.html", {"phone": phone})


@require_POST
@patient_required
def link_code(request: HttpRequest) -> HttpResponse:
    challenge_id = request.portal.get(_LINK_CHALLENGE)  # type: ignore[attr-defined]
    if not challenge_id:
        return HttpResponseRedirect(reverse("portal:link"))
    try:
        linking.confirm_cccd_link(account_of(request), challenge_id, request.POST.get("code", ""))
    except (linking.LinkError, otp.OtpError) as exc:
        phone = masked(OtpChallenge.objects.filter(pk=challenge_id).values_list("phone", flat=True).first() or "")
        return _page(request, "link_code.html", {"phone": phone, "error": str(exc)}, 400)
    request.portal.pop(_LINK_CHALLENGE)  # type: ignore[attr-defined]
    return HttpResponseRedirect(reverse("portal:home"))


# --- records -------------------------------------------------------------------------------------
def _records_page(request: HttpRequest, opened: Opened, template: str, **extra: object) -> HttpResponse:
    return _page(request, template, {"opened": opened, "profile": opened.profile, **extra})


@require_GET
@patient_required
def profile(request: HttpRequest, profile_id: int) -> HttpResponse:
    opened = _opened(request, profile_id)
    if opened.results_only:
        return HttpResponseRedirect(reverse("portal:results", args=[profile_id]))
    repo = repository_for(account_of(request), opened, client_ip(request))
    return _records_page(request, opened, "profile.html", visits=records.visits(repo, opened.patient_ids),
                         appointments=records.appointments(repo, opened.patient_ids))


@require_GET
@patient_required
def results(request: HttpRequest, profile_id: int) -> HttpResponse:
    opened = _opened(request, profile_id)
    repo = repository_for(account_of(request), opened, client_ip(request))
    return _records_page(request, opened, "results.html", results=records.results(repo, opened.patient_ids))


@require_GET
@patient_required
def result(request: HttpRequest, profile_id: int, report_id: str) -> HttpResponse:
    opened = _opened(request, profile_id)
    repo = repository_for(account_of(request), opened, client_ip(request))
    try:
        found = records.result(repo, report_id)
    except FhirError as exc:
        # Outside this person's record (refused and audited by the repository) or no such report:
        # the same 404 either way, so ids cannot be probed.
        raise Http404(_("Không có kết quả này.")) from exc
    if found is None:
        raise Http404(_("Kết quả chưa được ký duyệt."))
    return _records_page(request, opened, "result.html", result=found)


@require_GET
@patient_required
def papers(request: HttpRequest, profile_id: int) -> HttpResponse:
    opened = _opened(request, profile_id)
    if opened.results_only:
        raise Http404
    repo = repository_for(account_of(request), opened, client_ip(request))
    return _records_page(request, opened, "papers.html", papers=records.papers(repo, opened.patient_ids))


@require_GET
@patient_required
def download(request: HttpRequest, profile_id: int, document_id: str) -> HttpResponse:
    opened = _opened(request, profile_id)
    repo = repository_for(account_of(request), opened, client_ip(request))
    try:
        document, pdf = records.download(repo, document_id)
    except FhirError as exc:
        raise Http404(_("Không có giấy tờ này.")) from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.kind}-{document.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@patient_required
def access_log(request: HttpRequest, profile_id: int) -> HttpResponse:
    opened = _opened(request, profile_id)
    if not opened.can_manage:
        raise Http404  # a family member sees the records granted, not who else looked at them
    return _records_page(request, opened, "access_log.html", accesses=records.who_opened(
        opened.patient_ids, actor_for(account_of(request), opened).id))


@require_POST
@patient_required
def sharing_consent(request: HttpRequest, profile_id: int) -> HttpResponse:
    """The patient gives or withdraws consent for clinicians at other facilities to open their records."""
    from benhan.exchange.consent import record_for_person

    opened = _opened(request, profile_id)
    if not opened.can_manage:
        raise Http404
    record_for_person(actor_for(account_of(request), opened),
                      list(opened.profile.records.values_list("patient_id", "facility")),
                      permit=request.POST.get("action") == "give", performer=opened.profile.display_name)
    return HttpResponseRedirect(reverse("portal:sharing", args=[profile_id]))


# --- family access -------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@patient_required
def sharing(request: HttpRequest, profile_id: int) -> HttpResponse:
    opened = _opened(request, profile_id)
    if not opened.can_manage:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            days = int(request.POST.get("days", "0") or 0)
        except ValueError:
            days = 0
        try:
            family.grant_access(account_of(request), opened, request.POST.get("phone", ""),
                                request.POST.get("scope", ""), days)
            return HttpResponseRedirect(reverse("portal:sharing", args=[profile_id]))
        except family.FamilyError as exc:
            error = str(exc)
    from benhan.exchange.consent import person_consents

    consented = person_consents(actor_for(account_of(request), opened),
                                list(opened.profile.records.values_list("patient_id", "facility")))
    return _records_page(request, opened, "sharing.html", grants=family.grants_of(opened), error=error,
                         scopes=ProxyGrant.Scope.choices, consented=consented)


@require_POST
@patient_required
def revoke(request: HttpRequest, profile_id: int, grant_id: int) -> HttpResponse:
    try:
        family.revoke_access(account_of(request), grant_id)
    except family.FamilyError as exc:
        raise Http404(str(exc)) from exc
    return HttpResponseRedirect(reverse("portal:sharing", args=[profile_id]))


# --- installable app -----------------------------------------------------------------------------
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The static sw.js, served under /app/ so that its scope is the whole app."""
    response = HttpResponse(_SW.read_bytes(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response
