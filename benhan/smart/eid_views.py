"""Login with the configured OpenID Connect provider (e-ID): send the browser there, take it back."""

from __future__ import annotations

import logging
from dataclasses import asdict

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from benhan.portal.session import account_of, patient_required, with_portal_session

from . import eid

log = logging.getLogger(__name__)
_PENDING = "eid_pending"
_UNJOINED = "eid_unjoined"


def _config() -> eid.Config:
    cfg = eid.config()
    if cfg is None:
        raise Http404
    return cfg


def _failed(request: HttpRequest, cfg: eid.Config) -> HttpResponse:
    message = _("Không đăng nhập được qua %(name)s. Hãy thử lại hoặc đăng nhập bằng số điện thoại.") % {"name": cfg.name}
    return render(request, "portal/login.html", {"error": message, "eid_name": cfg.name}, status=400)


@require_GET
@with_portal_session
def start(request: HttpRequest) -> HttpResponse:
    cfg = _config()
    try:
        begun = eid.start(cfg, request.build_absolute_uri(reverse("portal:eid_callback")))
    except eid.EidError as exc:
        log.warning("e-ID login could not start: %s", exc)
        return _failed(request, cfg)
    request.portal[_PENDING] = asdict(begun)  # type: ignore[attr-defined]
    return HttpResponseRedirect(begun.url)


@require_GET
@with_portal_session
def callback(request: HttpRequest) -> HttpResponse:
    cfg = _config()
    pending = request.portal.pop(_PENDING, None)  # type: ignore[attr-defined]  # one try per start
    if not pending or request.GET.get("state") != pending["state"] or "code" not in request.GET:
        log.warning("e-ID callback refused: %s", request.GET.get("error", "state mismatch or no code"))
        return _failed(request, cfg)
    try:
        claims = eid.finish(cfg, request.build_absolute_uri(reverse("portal:eid_callback")), request.GET["code"],
                            eid.Start(**pending))
    except eid.EidError as exc:
        log.warning("e-ID login refused: %s", exc)
        return _failed(request, cfg)
    account = eid.account_for(cfg, claims)
    if account is None:
        # Verified, but which phone is it? One SMS login tells, and the identity is remembered.
        request.portal[_UNJOINED] = {"sub": claims["sub"], cfg.cccd_claim: claims.get(cfg.cccd_claim, "")}  # type: ignore[attr-defined]
        request.portal["after_login"] = reverse("portal:eid_join")  # type: ignore[attr-defined]
        return render(request, "portal/login.html", {
            "error": _("Đã xác thực qua %(name)s. Nhập số điện thoại một lần để nối với tài khoản.") % {"name": cfg.name}})
    target = request.portal.pop("after_login", "") or reverse("portal:home")  # type: ignore[attr-defined]
    request.portal.log_in(account)  # type: ignore[attr-defined]
    return HttpResponseRedirect(target if str(target).startswith("/app/") else reverse("portal:home"))


@require_GET
@patient_required
def join(request: HttpRequest) -> HttpResponse:
    cfg = _config()
    unjoined = request.portal.pop(_UNJOINED, None)  # type: ignore[attr-defined]
    if unjoined:
        eid.join(cfg, account_of(request), unjoined)
    return HttpResponseRedirect(reverse("portal:home"))
