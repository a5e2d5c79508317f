"""Notification settings in the patient app: channels per profile, e-mail, this phone's web push."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from benhan.portal.session import account_of, patient_required

from . import preferences
from .models import Channel
from .vapid import public_key


@require_http_methods(["GET", "POST"])
@patient_required
def settings_page(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    error, status = "", 200
    if request.method == "POST":
        try:
            preferences.save(account, request.POST)
            return HttpResponseRedirect(reverse("notifications:settings") + "?da-luu=1")
        except preferences.PreferenceError as exc:
            error, status = str(exc), 400
    return render(request, "notifications/settings.html", {
        "choices": preferences.choices(account, request.POST if error else None), "channels": Channel.choices, "error": error,
        "email": request.POST.get("email", "") if error else preferences.email_of(account),
        "saved": request.GET.get("da-luu") == "1", "vapid_key": public_key(),
        "push_count": account.push_subscriptions.count()}, status=status)


@require_POST
@patient_required
def push_subscribe(request: HttpRequest) -> HttpResponse:
    try:
        data = json.loads(request.body or b"{}")
        preferences.subscribe(account_of(request), data, request.META.get("HTTP_USER_AGENT", ""))
    except (ValueError, preferences.PreferenceError) as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=400)
    return JsonResponse({"ok": True})


@require_POST
@patient_required
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    try:
        endpoint = str(json.loads(request.body or b"{}").get("endpoint", ""))
    except (ValueError, AttributeError):
        endpoint = ""
    return JsonResponse({"ok": True, "removed": preferences.unsubscribe(account_of(request), endpoint)})
