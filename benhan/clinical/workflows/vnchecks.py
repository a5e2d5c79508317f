"""Vietnamese identifier checks at registration, turned into the ClinicalError reception sees.

The rules (and their Vietnamese messages) live in benhan.vn.identifiers; registration adds the
person's birth date and sex so that a CCCD typed for the wrong person is caught.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from benhan.vn.identifiers import ChipQr, parse_bhyt, parse_cccd, parse_chip_qr

from ..errors import ClinicalError


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def check_cccd(cccd: str, birth: date, gender: str) -> None:
    try:
        parse_cccd(cccd, birth_date=birth, sex=gender)
    except ValidationError as exc:
        raise ClinicalError(_message(exc), "cccd") from exc


def check_bhyt(number: str) -> None:
    try:
        parse_bhyt(number)
    except ValidationError as exc:
        raise ClinicalError(_message(exc), "bhyt") from exc


def read_chip_qr(text: str) -> ChipQr:
    try:
        return parse_chip_qr(text)
    except ValidationError as exc:
        raise ClinicalError(_message(exc), "qr") from exc
