"""Vietnamese display conventions: dates dd/mm/yyyy, money in VND with dot thousands, sex labels."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

SEX = {"male": "Nam", "female": "Nữ", "other": "Khác", "unknown": "Không rõ"}


def _parse(value: str) -> date | datetime | None:
    text = value.strip()
    try:
        if "T" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        if len(text) == 10:
            return date.fromisoformat(text)
        if len(text) == 7:  # FHIR partial date YYYY-MM
            return date.fromisoformat(text + "-01")
    except ValueError:
        return None
    return None


def vn_date(value: str | date | datetime | None) -> str:
    """dd/mm/yyyy; a FHIR partial date keeps its precision (mm/yyyy, yyyy)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if len(value) == 4 and value.isdigit():
            return value
        parsed = _parse(value)
        if parsed is None:
            return value
        if len(value) == 7:
            return f"{parsed.month:02d}/{parsed.year}"
        value = parsed
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ) if value.tzinfo else value
        return value.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: str | datetime | None) -> str:
    """HH:MM dd/mm/yyyy in Vietnam time, the order Vietnamese forms write it."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        parsed = _parse(value)
        if not isinstance(parsed, datetime):
            return vn_date(value)
        value = parsed
    if value.tzinfo:
        value = value.astimezone(VN_TZ)
    return value.strftime("%H:%M %d/%m/%Y")


def vn_long_date(value: date | datetime) -> str:
    """'ngày 05 tháng 03 năm 2026', as written above a signature."""
    if isinstance(value, datetime) and value.tzinfo:
        value = value.astimezone(VN_TZ)
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


def vnd(amount: int | float | Decimal | str | None) -> str:
    """1.234.500 đ (VND has no minor unit; rounded to the đồng)."""
    if amount is None or amount == "":
        return ""
    whole = int(Decimal(str(amount)).quantize(Decimal(1)))
    return f"{whole:,} đ".replace(",", ".")


def sex_label(gender: str | None) -> str:
    return SEX.get(gender or "", "")
