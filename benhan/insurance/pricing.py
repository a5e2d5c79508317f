"""Who pays what for one line of a claim: the hospital price, the insured part, the fund and the patient.

THANH_TIEN_BV = quantity × hospital price; THANH_TIEN_BH = quantity × insured price × the item's
payment ratio when the item is in the benefit scope; the fund pays MUC_HUONG percent of that
(T_BHTT), the patient the rest of it (T_BNCCT, co-payment) plus everything outside the insured part
(T_BNTT).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .values import vnd


@dataclass(frozen=True)
class LinePayment:
    total: Decimal  # THANH_TIEN_BV
    insured: Decimal  # THANH_TIEN_BH
    fund: Decimal  # T_BHTT
    copay: Decimal  # T_BNCCT
    patient: Decimal  # T_BNTT


def line_payment(
    quantity: Decimal,
    hospital_price: Decimal,
    insured_price: Decimal,
    *,
    in_scope: bool,
    item_ratio_percent: Decimal,
    benefit_percent: Decimal,
) -> LinePayment:
    total = vnd(quantity * hospital_price)
    insured = vnd(quantity * min(insured_price, hospital_price) * item_ratio_percent / 100) if in_scope else Decimal(0)
    fund = vnd(insured * benefit_percent / 100)
    return LinePayment(total=total, insured=insured, fund=fund, copay=insured - fund, patient=total - insured)
