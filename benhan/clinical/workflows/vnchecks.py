"""Vietnamese identifier checks at registration, with the message reception sees.

The format rules live in benhan.vn.validators (the facility engineer's module); this adds what only
registration knows: the CCCD's century/sex digit and birth year must agree with the form.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from ..errors import ClinicalError


def check_cccd(cccd: str, birth: date, gender: str) -> None:
    from benhan.vn import validators

    try:
        validators.validate_cccd(cccd)
    except validators.ValidationError as exc:
        raise ClinicalError(" ".join(exc.messages), "cccd") from exc
    # Digit 4 encodes century and sex (20th c.: male 0, female 1; 21st: 2, 3; ...); digits 5-6 the year.
    code = int(cccd[3])
    century = 1900 + 100 * (code // 2)
    if century + int(cccd[4:6]) != birth.year:
        raise ClinicalError(_("Số CCCD không khớp năm sinh %(year)s.") % {"year": birth.year}, "cccd")
    if gender in ("male", "female") and (code % 2 == 1) != (gender == "female"):
        raise ClinicalError(_("Số CCCD không khớp giới tính đã chọn."), "cccd")


def check_bhyt(number: str) -> None:
    from benhan.vn import validators

    try:
        validators.validate_bhyt(number)
    except validators.ValidationError as exc:
        raise ClinicalError(" ".join(exc.messages), "bhyt") from exc
