from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from benhan.vn.identifiers import normalize_phone, parse_bhyt, parse_cccd, parse_chip_qr


@pytest.fixture(autouse=True)
def vietnamese() -> None:
    translation.activate("vi")


def message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return exc.value.messages[0]


# --- CCCD -------------------------------------------------------------------------------------------

def test_cccd_of_a_man_born_1966_in_ha_noi_is_decoded() -> None:
    cccd = parse_cccd("001066012345", birth_date=date(1966, 3, 5), sex="male")
    assert cccd.birth_province == "Hà Nội"
    assert cccd.sex == "male" and cccd.birth_year == 1966


def test_cccd_of_a_girl_born_2012_in_phu_tho_uses_century_digit_3() -> None:
    cccd = parse_cccd("025312000777", birth_year=2012, sex="female")
    assert cccd.birth_province == "Phú Thọ" and cccd.birth_year == 2012


def test_cccd_accepts_spaces_typed_between_groups() -> None:
    assert parse_cccd("001 066 012345").number == "001066012345"


@pytest.mark.parametrize("value", ["00106601234", "0010660123456", "00106601234A", ""])
def test_cccd_must_have_exactly_twelve_digits(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_cccd(value)
    assert message(exc) == "Số CCCD phải gồm đúng 12 chữ số."


def test_cccd_rejects_an_unknown_birth_province_code() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_cccd("003066012345")
    assert message(exc) == "3 số đầu của số CCCD (003) không phải mã tỉnh, thành phố nơi đăng ký khai sinh."


def test_cccd_sex_digit_must_match_the_declared_sex() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_cccd("001166012345", birth_year=1966, sex="male")
    assert message(exc) == "Chữ số thứ 4 của số CCCD (1) là của người nữ, không khớp với giới tính nam."


def test_cccd_century_digit_must_match_the_birth_year() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_cccd("001266012345", birth_year=1966)
    assert message(exc) == ("Chữ số thứ 4 của số CCCD (2) dành cho người sinh từ năm 2000 đến 2099, "
                            "không khớp với năm sinh 1966.")


def test_cccd_year_digits_must_be_the_last_two_of_the_birth_year() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_cccd("001067012345", birth_year=1966)
    assert message(exc) == "Chữ số thứ 5–6 của số CCCD (67) phải là 2 số cuối của năm sinh 1966."


def test_cccd_cannot_encode_a_birth_year_in_the_future() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_cccd("001430012345", today=date(2026, 1, 1))
    assert message(exc) == "Chữ số thứ 4 và 5–6 của số CCCD cho năm sinh 2130, là năm trong tương lai."


# --- BHYT card -----------------------------------------------------------------------------------------

def test_bhyt_card_is_split_into_group_level_province_and_bhxh_number() -> None:
    card = parse_bhyt("HT4790123456789")
    assert (card.group, card.benefit_level, card.province_code, card.social_insurance_number) == \
        ("HT", "4", "79", "0123456789")
    assert card.benefit_percent == 80 and card.kind == "card"


def test_bhyt_card_is_read_case_and_space_insensitively() -> None:
    assert parse_bhyt("dn 4 25 0123456789").number == "DN4250123456789"


def test_bhyt_card_must_have_fifteen_characters() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_bhyt("HT479012345678")
    assert message(exc) == "Mã thẻ BHYT phải gồm 15 ký tự (ví dụ HT4790123456789) hoặc là số CCCD 12 chữ số."


def test_bhyt_card_group_must_be_in_the_official_list() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_bhyt("ZZ4790123456789")
    assert message(exc) == "Mã đối tượng ZZ (2 ký tự đầu của thẻ BHYT) không có trong danh mục."


def test_bhyt_extra_groups_can_be_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENHAN_BHYT_EXTRA_GROUPS", "ZZ")
    assert parse_bhyt("ZZ4790123456789").group == "ZZ"


@pytest.mark.parametrize("level", ["0", "6", "X"])
def test_bhyt_benefit_level_is_a_digit_from_one_to_five(level: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_bhyt(f"HT{level}790123456789")
    assert message(exc) == f"Ký tự thứ 3 của thẻ BHYT là mức hưởng, phải là một chữ số từ 1 đến 5 (đang là {level})."


def test_bhyt_province_must_be_an_issuing_province() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_bhyt("HT4030123456789")
    assert message(exc) == "Ký tự thứ 4–5 của thẻ BHYT (03) không phải mã tỉnh nơi phát hành thẻ."


def test_bhyt_last_ten_characters_are_digits() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_bhyt("HT479012345678A")
    assert message(exc) == "10 ký tự cuối của thẻ BHYT phải là mã số BHXH gồm 10 chữ số."


def test_cccd_stands_for_the_bhyt_card_from_15_august_2025() -> None:
    card = parse_bhyt("001066012345", on=date(2025, 8, 15))
    assert card.kind == "cccd" and card.group == ""
    with pytest.raises(ValidationError) as exc:
        parse_bhyt("001066012345", on=date(2025, 8, 14))
    assert message(exc) == "Số CCCD chỉ được dùng thay thẻ BHYT từ ngày 15/08/2025."


def test_an_invalid_cccd_in_place_of_a_card_is_rejected_with_the_cccd_reason() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_bhyt("003066012345", on=date(2026, 1, 1))
    assert "3 số đầu của số CCCD (003)" in message(exc)


# --- chip-ID QR ------------------------------------------------------------------------------------------

QR = "025166000123|131234567|Nguyễn Thị Hồng|05031966|Nữ|Thôn 3, Xã Lâm Thao, Phú Thọ|20042021"


def test_chip_qr_is_parsed_into_the_card_fields() -> None:
    qr = parse_chip_qr(QR)
    assert qr.cccd == "025166000123" and qr.old_id == "131234567"
    assert qr.full_name == "Nguyễn Thị Hồng"
    assert qr.birth_date == date(1966, 3, 5) and qr.sex == "female"
    assert qr.address == "Thôn 3, Xã Lâm Thao, Phú Thọ"
    assert qr.issue_date == date(2021, 4, 20)


def test_chip_qr_without_old_id_and_with_extra_fields_is_accepted() -> None:
    qr = parse_chip_qr("001066012345||Trần Văn Bình|01011966|Nam|Hà Nội|01072024|extra")
    assert qr.old_id == "" and qr.sex == "male"


def test_chip_qr_in_decomposed_unicode_is_normalised() -> None:
    import unicodedata

    assert parse_chip_qr(unicodedata.normalize("NFD", QR)).full_name == "Nguyễn Thị Hồng"


def test_chip_qr_with_too_few_fields_is_rejected() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_chip_qr("025166000123|Nguyễn Thị Hồng")
    assert message(exc) == "Mã QR không đúng định dạng của thẻ CCCD gắn chip (cần 7 trường ngăn cách bởi dấu |)."


def test_chip_qr_with_an_impossible_birth_date_is_rejected() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_chip_qr(QR.replace("05031966", "31021966"))
    assert message(exc) == "Ngày sinh trong mã QR không phải ngày có thật: 31021966."


def test_chip_qr_whose_cccd_contradicts_the_sex_is_rejected() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_chip_qr(QR.replace("|Nữ|", "|Nam|"))
    assert message(exc) == "Chữ số thứ 4 của số CCCD (1) là của người nữ, không khớp với giới tính nam."


# --- phone ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("0912345678", "0912345678"), ("+84 912 345 678", "0912345678"), ("84912345678", "0912345678"),
    ("0385.123.456", "0385123456"), ("02103 852 123", "02103852123"),
])
def test_vietnamese_phone_numbers_are_normalised(value: str, expected: str) -> None:
    assert normalize_phone(value) == expected


@pytest.mark.parametrize("value", ["0112345678", "091234567", "09123456789", "abc"])
def test_invalid_phone_numbers_are_rejected_with_an_example(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        normalize_phone(value)
    assert "ví dụ 0912345678" in message(exc)
