"""Vietnamese personal identifiers: CCCD (số định danh cá nhân), BHYT card, chip-ID QR, phone numbers.

Each check raises django.core.exceptions.ValidationError with a Vietnamese message that says what is
wrong and what is expected, so a receptionist can fix the entry without calling IT.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .codes import BHYT_BENEFIT_PERCENT, BHYT_PROVINCES, CCCD_BIRTH_PROVINCES, bhyt_groups

MALE, FEMALE = "male", "female"  # FHIR administrative gender

# Since 15/8/2025 (NĐ 188/2025/NĐ-CP) the 12-digit personal identification number may stand for the card.
CCCD_AS_BHYT_FROM = date(2025, 8, 15)


def _sex_label(sex: str) -> str:
    return _("nam") if sex == MALE else _("nữ")


@dataclass(frozen=True)
class Cccd:
    number: str
    birth_province_code: str
    sex: str  # male / female
    birth_century_start: int  # 1900, 2000, 2100…
    birth_year_suffix: int  # last two digits of the birth year

    @property
    def birth_province(self) -> str:
        return CCCD_BIRTH_PROVINCES[self.birth_province_code]

    @property
    def birth_year(self) -> int:
        return self.birth_century_start + self.birth_year_suffix


def parse_cccd(value: str, *, birth_date: date | None = None, birth_year: int | None = None,
               sex: str | None = None, today: date | None = None) -> Cccd:
    """Check a 12-digit CCCD and, when known, its consistency with the person's birth year and sex."""
    number = "".join(str(value).split())
    if not re.fullmatch(r"\d{12}", number):
        raise ValidationError(_("Số CCCD phải gồm đúng 12 chữ số."), code="cccd_format")
    province = number[:3]
    if province not in CCCD_BIRTH_PROVINCES:
        raise ValidationError(
            _("3 số đầu của số CCCD (%(code)s) không phải mã tỉnh, thành phố nơi đăng ký khai sinh.") % {"code": province},
            code="cccd_province")
    code = int(number[3])
    century_start = 1900 + 100 * (code // 2)
    parsed = Cccd(number, province, MALE if code % 2 == 0 else FEMALE, century_start, int(number[4:6]))
    year = birth_date.year if birth_date else birth_year
    if year is not None:
        if not (century_start <= year < century_start + 100):
            raise ValidationError(
                _("Chữ số thứ 4 của số CCCD (%(digit)s) dành cho người sinh từ năm %(start)s đến %(end)s, "
                  "không khớp với năm sinh %(year)s.")
                % {"digit": code, "start": century_start, "end": century_start + 99, "year": year},
                code="cccd_century")
        if year % 100 != parsed.birth_year_suffix:
            raise ValidationError(
                _("Chữ số thứ 5–6 của số CCCD (%(yy)s) phải là 2 số cuối của năm sinh %(year)s.")
                % {"yy": number[4:6], "year": year},
                code="cccd_year")
    today = today or date.today()
    if parsed.birth_year > today.year:
        raise ValidationError(
            _("Chữ số thứ 4 và 5–6 của số CCCD cho năm sinh %(year)s, là năm trong tương lai.") % {"year": parsed.birth_year},
            code="cccd_future")
    if sex in (MALE, FEMALE) and sex != parsed.sex:
        raise ValidationError(
            _("Chữ số thứ 4 của số CCCD (%(digit)s) là của người %(cccd_sex)s, không khớp với giới tính %(sex)s.")
            % {"digit": code, "cccd_sex": _sex_label(parsed.sex), "sex": _sex_label(sex)},
            code="cccd_sex")
    return parsed


def validate_cccd(value: str) -> None:
    """Django field validator (format, birth province, birth year not in the future)."""
    parse_cccd(value)


@dataclass(frozen=True)
class BhytCard:
    number: str
    kind: str  # "card" (15 characters) or "cccd" (a CCCD standing for the card)
    group: str = ""
    benefit_level: str = ""
    province_code: str = ""
    social_insurance_number: str = ""

    @property
    def benefit_percent(self) -> int | None:
        return BHYT_BENEFIT_PERCENT.get(self.benefit_level)


def parse_bhyt(value: str, *, on: date | None = None) -> BhytCard:
    """A 15-character card number, or (from 15/8/2025) a 12-digit CCCD used in its place."""
    number = "".join(str(value).split()).upper()
    on = on or date.today()
    if re.fullmatch(r"\d{12}", number):
        if on < CCCD_AS_BHYT_FROM:
            raise ValidationError(_("Số CCCD chỉ được dùng thay thẻ BHYT từ ngày 15/08/2025."), code="bhyt_cccd_date")
        parse_cccd(number, today=on)
        return BhytCard(number, "cccd")
    if len(number) != 15:
        raise ValidationError(
            _("Mã thẻ BHYT phải gồm 15 ký tự (ví dụ HT4790123456789) hoặc là số CCCD 12 chữ số."), code="bhyt_length")
    group, level, province, serial = number[:2], number[2], number[3:5], number[5:]
    if not group.isalpha() or group not in bhyt_groups():
        raise ValidationError(
            _("Mã đối tượng %(group)s (2 ký tự đầu của thẻ BHYT) không có trong danh mục.") % {"group": group},
            code="bhyt_group")
    if level not in BHYT_BENEFIT_PERCENT:
        raise ValidationError(
            _("Ký tự thứ 3 của thẻ BHYT là mức hưởng, phải là một chữ số từ 1 đến 5 (đang là %(level)s).")
            % {"level": level},
            code="bhyt_level")
    if province not in BHYT_PROVINCES:
        raise ValidationError(
            _("Ký tự thứ 4–5 của thẻ BHYT (%(code)s) không phải mã tỉnh nơi phát hành thẻ.") % {"code": province},
            code="bhyt_province")
    if not serial.isdigit():
        raise ValidationError(_("10 ký tự cuối của thẻ BHYT phải là mã số BHXH gồm 10 chữ số."), code="bhyt_serial")
    return BhytCard(number, "card", group, level, province, serial)


def validate_bhyt(value: str) -> None:
    parse_bhyt(value)


@dataclass(frozen=True)
class ChipQr:
    """The QR code on the back of a chip CCCD card."""

    cccd: str
    old_id: str  # the 9-digit CMND it replaced, often empty
    full_name: str
    birth_date: date
    sex: str
    address: str
    issue_date: date | None


def _qr_date(text: str, label: str) -> date:
    if not re.fullmatch(r"\d{8}", text):
        raise ValidationError(_("%(field)s trong mã QR không hợp lệ (cần dạng ngàythángnăm, ví dụ 05031966).")
                              % {"field": label}, code="qr_date")
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError as exc:
        raise ValidationError(_("%(field)s trong mã QR không phải ngày có thật: %(value)s.")
                              % {"field": label, "value": text}, code="qr_date") from exc


def parse_chip_qr(text: str) -> ChipQr:
    """`CCCD|CMND|Họ tên|ddmmyyyy|Giới tính|Địa chỉ|ddmmyyyy` (later cards may add fields: ignored)."""
    fields = [f.strip() for f in unicodedata.normalize("NFC", text.strip()).split("|")]
    if len(fields) < 7:
        raise ValidationError(_("Mã QR không đúng định dạng của thẻ CCCD gắn chip (cần 7 trường ngăn cách bởi dấu |)."),
                              code="qr_format")
    cccd, old_id, name, birth, sex_text, address, issued = fields[:7]
    if not name:
        raise ValidationError(_("Mã QR thiếu họ tên."), code="qr_name")
    birth_date = _qr_date(birth, _("Ngày sinh"))
    folded_sex = sex_text.casefold()
    if folded_sex == "nam":
        sex = MALE
    elif folded_sex in ("nữ", "nu"):
        sex = FEMALE
    else:
        raise ValidationError(_("Giới tính trong mã QR phải là Nam hoặc Nữ (đang là %(value)s).") % {"value": sex_text},
                              code="qr_sex")
    if old_id and not re.fullmatch(r"\d{9}|\d{12}", old_id):
        raise ValidationError(_("Số CMND trong mã QR phải gồm 9 hoặc 12 chữ số."), code="qr_cmnd")
    parse_cccd(cccd, birth_date=birth_date, sex=sex)
    issue_date = _qr_date(issued, _("Ngày cấp")) if issued else None
    return ChipQr(cccd, old_id, " ".join(name.split()), birth_date, sex, address, issue_date)


_MOBILE = re.compile(r"0[35789]\d{8}")
_LANDLINE = re.compile(r"02\d{9}")


def normalize_phone(value: str) -> str:
    """A Vietnamese mobile (10 digits, 03/05/07/08/09) or landline (11 digits, 02…) in national form."""
    digits = re.sub(r"[\s.\-()]", "", str(value))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise ValidationError(
        _("Số điện thoại không hợp lệ: cần 10 số di động bắt đầu bằng 03, 05, 07, 08, 09 "
          "(ví dụ 0912345678 hoặc +84912345678) hoặc số cố định 11 số bắt đầu bằng 02."),
        code="phone")


def validate_phone(value: str) -> None:
    normalize_phone(value)
