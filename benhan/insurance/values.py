"""Turning FHIR values into the claim tables' strings: times, dates, sexes, money."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def parse_fhir_datetime(value: str) -> datetime | None:
    """A FHIR date/dateTime/instant as an aware datetime (dates at local midnight)."""
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text) if "T" in text else datetime.fromisoformat(text + "T00:00:00")
    except ValueError:
        if len(text) == 4:
            moment = datetime(int(text), 1, 1)
        elif len(text) == 7:
            moment = datetime(int(text[:4]), int(text[5:7]), 1)
        else:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN)


def xml_instant(value: str | datetime | None) -> str:
    """yyyyMMddHHmm in Vietnam's time zone, as the tables require."""
    moment = parse_fhir_datetime(value) if isinstance(value, str) else value
    return moment.astimezone(VN).strftime("%Y%m%d%H%M") if moment else ""


def xml_date(value: str | date | None) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    moment = parse_fhir_datetime(value) if isinstance(value, str) else value
    return moment.astimezone(VN).strftime("%Y%m%d") if moment else ""


def xml_birth(value: str) -> str:
    """NGAY_SINH: yyyyMMddHHmm (birth time unknown → 0000); a year-only birth date stays yyyy."""
    if len(value) == 4:
        return value
    return xml_date(value) + "0000" if value else ""


SEX = {"male": "1", "female": "2", "other": "3", "unknown": "3"}  # GIOI_TINH: 1 nam, 2 nữ, 3 chưa xác định


def vnd(amount: Decimal) -> Decimal:
    """Money is whole đồng, half up."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> str:
    return str(vnd(amount))


def number(value: Decimal | float | int) -> str:
    """Quantities without trailing zeros: 30, 1.5."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def vnd_display(amount: Decimal) -> str:
    """For people: 1.250.000 ₫."""
    return f"{vnd(amount):,.0f}".replace(",", ".") + " ₫"
