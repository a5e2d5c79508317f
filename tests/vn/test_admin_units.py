from __future__ import annotations

from benhan.vn import admin_units


def test_there_are_34_provinces_after_the_2025_merger() -> None:
    codes = [p.code for p in admin_units.provinces()]
    assert len(codes) == 34 and "25" in codes and "79" in codes and "26" not in codes


def test_communes_have_five_digit_codes_and_belong_to_a_province() -> None:
    unit = admin_units.commune("07900")
    assert unit is not None and unit.name == "Phường Việt Trì" and unit.province_code == "25"
    assert admin_units.commune("7900") == unit
    assert len(admin_units.communes()) == 3321


def test_commune_search_is_accent_insensitive_and_can_be_limited_to_a_province() -> None:
    everywhere = admin_units.search_communes("lam thao")
    assert {u.province_code for u in everywhere} >= {"25"}
    in_phu_tho = admin_units.search_communes("LÂM THAO", province_code="25")
    assert [u.name for u in in_phu_tho] == ["Xã Lâm Thao"]


def test_unknown_codes_return_nothing() -> None:
    assert admin_units.province("03") is None
    assert admin_units.commune("99999") is None
    assert admin_units.search_communes("   ") == []


def test_province_search_ignores_accents() -> None:
    assert [p.name for p in admin_units.search_provinces("ho chi minh")] == ["Thành phố Hồ Chí Minh"]


def test_full_address_has_no_district_level() -> None:
    assert admin_units.full_address("Thôn 3", "08494") == "Thôn 3, Xã Lâm Thao, Phú Thọ"
