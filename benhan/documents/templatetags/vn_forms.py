"""Template filters for the PDF forms (dates, money) so templates accept raw values as well."""

from __future__ import annotations

from typing import Any

from django import template

from ..pdf import formatting

register = template.Library()


@register.filter
def ngay(value: Any) -> str:
    return formatting.vn_date(value)


@register.filter
def gio_ngay(value: Any) -> str:
    return formatting.vn_datetime(value)


@register.filter
def vnd(value: Any) -> str:
    return formatting.vnd(value)
