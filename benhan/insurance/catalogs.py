"""The facility catalogs as the claim builder and the checks see them (codes, names, prices, BHYT fields)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from benhan.accounts.models import Facility, User
from benhan.facilities.models import Department, Room
from benhan.vn.models import Drug, Icd10, TechnicalService

from .builder import DrugPrice, FacilityInfo, PriceBook, ServicePrice
from .checks import Catalogs

EXAM_GROUP = "13"
BED_GROUPS = ("14", "15", "16")


def _drug(code: str) -> DrugPrice | None:
    d = Drug.objects.filter(code=code, active=True).first()
    if d is None:
        return None
    return DrugPrice(d.code, d.name, d.unit, d.strength, d.route, d.dosage_form, d.registration_number, d.bid_info,
                     d.bhyt_group, Decimal(d.price), d.bhyt_covered, Decimal(d.bhyt_rate))


def _service_price(s: TechnicalService) -> ServicePrice:
    insured = s.bhyt_price if s.bhyt_price is not None else None
    return ServicePrice(s.code, s.name, s.unit, s.bhyt_group, Decimal(s.price),
                        Decimal(insured) if insured is not None else None)


def _service(code: str) -> ServicePrice | None:
    s = TechnicalService.objects.filter(code=code, active=True).first()
    return _service_price(s) if s else None


def _first_in_groups(groups: tuple[str, ...]) -> ServicePrice | None:
    s = TechnicalService.objects.filter(bhyt_group__in=groups, active=True).order_by("code").first()
    return _service_price(s) if s else None


PRICES = PriceBook(
    drug=_drug,
    service=_service,
    exam_service=lambda: _first_in_groups((EXAM_GROUP,)),
    bed_service=lambda: _first_in_groups(BED_GROUPS),
)

CATALOGS = Catalogs(
    icd10=lambda code: Icd10.objects.filter(code=code).exists(),
    drug=lambda code: Drug.objects.filter(code=code).exists(),
    service=lambda code: TechnicalService.objects.filter(code=code).exists(),
)


def facility_info(facility: Facility, head_code: str = "") -> FacilityInfo:
    departments = {d.code: d.bhyt_code for d in Department.objects.filter(facility=facility)}
    # An outpatient encounter records its room; the claim needs that room's department.
    for room in Room.objects.filter(department__facility=facility).select_related("department"):
        if not departments.get(room.code):
            departments[room.code] = room.department.bhyt_code
    practitioners = dict(
        User.objects.filter(facility=facility).exclude(practitioner_id="").exclude(licence_number="")
        .values_list("practitioner_id", "licence_number")
    )
    return FacilityInfo(facility.code, departments, practitioners, head_code)


def remembered_prices() -> PriceBook:
    """The price book with each lookup remembered: for one batch of claims, where the same few drugs and
    services come back in every claim (a fresh one per batch, so a catalog change shows in the next)."""
    return PriceBook(drug=lru_cache(maxsize=None)(_drug), service=lru_cache(maxsize=None)(_service),
                     exam_service=lru_cache(maxsize=1)(PRICES.exam_service),
                     bed_service=lru_cache(maxsize=1)(PRICES.bed_service))


def remembered_catalogs() -> Catalogs:
    return Catalogs(icd10=lru_cache(maxsize=None)(CATALOGS.icd10), drug=lru_cache(maxsize=None)(CATALOGS.drug),
                    service=lru_cache(maxsize=None)(CATALOGS.service))
