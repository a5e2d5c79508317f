"""Vietnamese mobile numbers in one form (0 + 9 digits), whatever the patient or the record wrote."""

from __future__ import annotations

import re
from typing import Any

_DIGITS = re.compile(r"\D")


def normalise(text: str) -> str:
    """'+84 912 345 678', '84912345678' and '0912.345.678' are all '0912345678'; '' if not a mobile number."""
    digits = _DIGITS.sub("", text or "")
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"0[35789]\d{8}", digits) else ""


def masked(phone: str) -> str:
    """What the screen shows of a phone on file: enough to recognise it, not enough to learn it."""
    return phone[:3] + "****" + phone[-3:] if len(phone) >= 7 else "****"


def phones_of(patient: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for contact in patient.get("telecom") or ():
        p = normalise(str(contact.get("value", ""))) if contact.get("system") in ("phone", "sms", None) else ""
        if p and p not in out:
            out.append(p)
    return out
