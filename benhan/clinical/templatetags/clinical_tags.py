"""`{% load clinical_tags %}`: `{{ mapping|get_item:key }}` for form values kept after a refusal."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
