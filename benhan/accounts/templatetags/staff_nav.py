from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from benhan.accounts.actors import current_facility, facilities_of
from benhan.accounts.models import Facility, User
from benhan.accounts.navigation import items_for

register = template.Library()


@register.inclusion_tag("includes/main_nav.html", takes_context=True)
def main_nav(context: dict[str, Any]) -> dict[str, Any]:
    request: HttpRequest = context["request"]
    user = request.user
    items = items_for(user) if isinstance(user, User) else []
    # The current page is the entry with the longest address the path starts with: /ui/ (home) must
    # not be marked on every page under it.
    matching = [url for _item, url in items if url and request.path.startswith(url)]
    return {"items": items, "current": max(matching, key=len) if matching else None}


@register.inclusion_tag("includes/facility_switch.html", takes_context=True)
def facility_switch(context: dict[str, Any]) -> dict[str, Any]:
    request: HttpRequest = context["request"]
    user = request.user
    if not isinstance(user, User):
        return {"choices": [], "current": None}
    code = current_facility(request)
    allowed = facilities_of(user)
    qs = Facility.objects.filter(active=True).order_by("code")
    choices = list(qs if allowed is None else qs.filter(code__in=allowed))
    current = next((f for f in choices if f.code == code), None)
    return {"choices": choices, "current": current, "request": request}
