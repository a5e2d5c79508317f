"""Vietnamese display formats: money in VND ("1.250.000 ₫") and dates as dd/mm/yyyy."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone


def vnd(amount: int | float | Decimal | str | None) -> str:
    """Whole đồng, dot as the thousands separator, ₫ after a non-breaking space."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount)).quantize(Decimal(1))
    except InvalidOperation:
        return str(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(int(value)):,}".replace(",", ".") + "\u00a0₫"


def full_name(person: object) -> str:
    """Vietnamese order: family and middle names (last_name) before the given name (first_name)."""
    last = str(getattr(person, "last_name", "") or "").strip()
    first = str(getattr(person, "first_name", "") or "").strip()
    return " ".join(p for p in (last, first) if p) or str(getattr(person, "username", ""))


def vn_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%H:%M %d/%m/%Y")
