from decimal import Decimal

from benhan.insurance.pricing import line_payment
from benhan.insurance.values import vnd_display, xml_birth, xml_instant


def test_an_insured_drug_at_80_percent_splits_between_fund_and_patient() -> None:
    pay = line_payment(Decimal(30), Decimal("1250"), Decimal("1250"), in_scope=True,
                       item_ratio_percent=Decimal(100), benefit_percent=Decimal(80))
    assert (pay.total, pay.insured, pay.fund, pay.copay, pay.patient) == (37500, 37500, 30000, 7500, 0)


def test_the_patient_pays_the_difference_above_the_insured_price_and_out_of_scope_items() -> None:
    above = line_payment(Decimal(1), Decimal("500000"), Decimal("350000"), in_scope=True,
                         item_ratio_percent=Decimal(100), benefit_percent=Decimal(100))
    assert (above.insured, above.fund, above.patient) == (350000, 350000, 150000)
    outside = line_payment(Decimal(2), Decimal("90000"), Decimal("90000"), in_scope=False,
                           item_ratio_percent=Decimal(100), benefit_percent=Decimal(100))
    assert (outside.insured, outside.fund, outside.patient) == (0, 0, 180000)


def test_amounts_round_half_up_to_whole_dong() -> None:
    pay = line_payment(Decimal("1.5"), Decimal("333"), Decimal("333"), in_scope=True,
                       item_ratio_percent=Decimal(100), benefit_percent=Decimal(95))
    assert pay.total == 500 and pay.fund == 475 and pay.copay == 25


def test_times_are_written_in_vietnam_time_as_yyyymmddhhmm() -> None:
    assert xml_instant("2026-11-25T01:30:00Z") == "202611250830"
    assert xml_instant("2026-11-25T08:30:00+07:00") == "202611250830"
    assert xml_birth("1967-03-15") == "196703150000"


def test_money_is_shown_to_people_with_dots_and_the_dong_sign() -> None:
    assert vnd_display(Decimal("1250000")) == "1.250.000 ₫"
