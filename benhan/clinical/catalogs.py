"""The catalogue entries the workflows need, read from the national catalogues in benhan.vn.

Workflows see small immutable records (not the Django rows), so a FHIR resource is built from the
catalogue as it was when the entry was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from benhan.vn import catalog_search
from benhan.vn.models import Drug as DrugRow
from benhan.vn.models import Icd10, LabTest, TechnicalService
from benhan.vn.text import fold

# MA_NHOM of QĐ 130 (XML3): 1 xét nghiệm, 2 chẩn đoán hình ảnh, 3 thăm dò chức năng.
_LAB_GROUPS = {"1"}
_IMAGING_GROUPS = {"2", "3"}


@dataclass(frozen=True)
class Drug:
    code: str
    name: str
    ingredient: str
    strength: str
    unit: str
    route: str


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    category: str  # lab, imaging, procedure


@dataclass(frozen=True)
class Test:
    code: str
    name: str
    unit: str
    ucum: str
    loinc: str
    low: Decimal | None
    high: Decimal | None

    @property
    def range_text(self) -> str:
        def f(v: Decimal | None) -> str:
            return "" if v is None else f"{v.normalize():f}".replace(".", ",")
        if self.low is not None and self.high is not None:
            return f"{f(self.low)} – {f(self.high)} {self.unit}".strip()
        if self.high is not None:
            return f"≤ {f(self.high)} {self.unit}".strip()
        if self.low is not None:
            return f"≥ {f(self.low)} {self.unit}".strip()
        return ""


def _icd_variants(code: str) -> list[str]:
    """I10, E11.9 and E119 name the same code: the catalogue writes them with the dot."""
    code = code.strip().upper()
    variants = [code]
    if "." not in code and len(code) > 3:
        variants.append(f"{code[:3]}.{code[3:]}")
    return variants


def icd10(code: str) -> tuple[str, str] | None:
    """(code, Vietnamese name) of an active ICD-10 code, or None."""
    row = Icd10.objects.filter(code__in=_icd_variants(code), active=True).first()
    return (row.code, row.name) if row else None


def search_icd10(text: str, limit: int = 15) -> list[tuple[str, str]]:
    return [(row.code, row.name) for row in catalog_search.search(Icd10, text, limit)]


def drug(code: str) -> Drug | None:
    row = DrugRow.objects.filter(code=code, active=True).first()
    if row is None:
        return None
    return Drug(row.code, row.name, row.active_ingredient, row.strength, row.unit or "viên", row.route)


def search_drugs(text: str, limit: int = 15) -> list[Drug]:
    return [Drug(r.code, r.name, r.active_ingredient, r.strength, r.unit or "viên", r.route)
            for r in catalog_search.search(DrugRow, text, limit)]


def _category(row: TechnicalService, has_tests: bool) -> str:
    group = fold(row.group)
    if has_tests or row.bhyt_group in _LAB_GROUPS or "xet nghiem" in group:
        return "lab"
    if row.bhyt_group in _IMAGING_GROUPS or "hinh anh" in group or "tham do" in group or "sieu am" in group:
        return "imaging"
    return "procedure"


def service(code: str) -> Service | None:
    row = TechnicalService.objects.filter(code=code, active=True).first()
    if row is None:
        return None
    return Service(row.code, row.name, _category(row, LabTest.objects.filter(service_code=code, active=True).exists()))


def orderable_services(limit: int = 200) -> list[Service]:
    """Services a doctor can order (lab panels, imaging, procedures): not examinations or bed days."""
    with_tests = set(LabTest.objects.filter(active=True).exclude(service_code="").values_list("service_code", flat=True))
    out = []
    for row in TechnicalService.objects.filter(active=True).exclude(bhyt_group__in=("13", "14", "15")).order_by("code")[:limit]:
        out.append(Service(row.code, row.name, _category(row, row.code in with_tests)))
    return out


_UCUM = {"mmol/l": "mmol/L", "g/l": "g/L", "µmol/l": "umol/L", "umol/l": "umol/L", "u/l": "U/L", "%": "%",
         "g/dl": "g/dL", "mg/dl": "mg/dL", "t/l": "10*12/L", "g/l(10^9/l)": "10*9/L", "fl": "fL", "pg": "pg"}


def lab_panel(service_code: str, sex: str = "") -> list[Test]:
    """The tests the service's panel reports, with the reference range for the patient's sex."""
    out = []
    for row in LabTest.objects.filter(service_code=service_code, active=True).order_by("code"):
        low, high = row.reference_range(sex)
        out.append(Test(row.code, row.name, row.unit, _UCUM.get(row.unit.lower(), row.unit), row.loinc, low, high))
    return out
