"""Build one episode's claim tables from its FHIR record and the facility's catalogs.

Every value comes from the record or a catalog. What cannot be derived is not guessed: it is left
empty and named, in Vietnamese, in `missing`, so the facility can complete the record and generate
the claim again.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .episode import JSON, Episode
from .pricing import LinePayment, line_payment
from .spec import BENEFIT_SHARE, LOAI_KCB_INPATIENT
from .spec import tables as table_specs
from .values import SEX, money, number, parse_fhir_datetime, xml_birth, xml_date, xml_instant

CCCD_SYSTEM = "http://fhir.hl7.org.vn/core/sid/cccd"
BHYT_SYSTEM = "http://fhir.hl7.org.vn/core/sid/bhyt"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
MRN_PREFIX = "https://benhan.vn/fhir/sid/mrn/"
SERVICE_SYSTEM = "https://benhan.vn/fhir/CodeSystem/dich-vu"
DRUG_SYSTEM = "https://benhan.vn/fhir/CodeSystem/thuoc"
LABTEST_SYSTEM = "https://benhan.vn/fhir/CodeSystem/xet-nghiem"
NOTE_KIND_SYSTEM = "https://benhan.vn/fhir/CodeSystem/loai-ghi-chep"
LOCATION_SYSTEM = "https://benhan.vn/fhir/sid/vi-tri"
RESULT_EXTENSION = "https://benhan.vn/fhir/StructureDefinition/ket-qua-dieu-tri"
CATEGORY_EXTENSION = "https://benhan.vn/fhir/StructureDefinition/doi-tuong-kcb"

# Encounter.hospitalization.dischargeDisposition → MA_LOAI_RV (1 ra viện, 2 chuyển viện, 3 trốn viện, 4 xin ra viện).
DISCHARGE_KIND = {"home": "1", "other-hcf": "2", "hosp": "2", "aadvice": "4", "oth": "1"}


@dataclass(frozen=True)
class DrugPrice:
    code: str
    name: str
    unit: str
    strength: str
    route: str
    form: str
    registration: str
    bid: str  # TT_THAU
    group: str  # MA_NHOM
    price: Decimal
    covered: bool
    ratio: Decimal  # TYLE_TT_BH, percent


@dataclass(frozen=True)
class ServicePrice:
    code: str
    name: str
    unit: str
    group: str  # MA_NHOM: 13 khám, 1 xét nghiệm, 2 CĐHA, 14–16 giường, ...
    price: Decimal
    insured_price: Decimal | None  # None: not covered


@dataclass(frozen=True)
class PriceBook:
    drug: Callable[[str], DrugPrice | None]
    service: Callable[[str], ServicePrice | None]
    exam_service: Callable[[], ServicePrice | None]  # the examination fee (MA_NHOM 13)
    bed_service: Callable[[], ServicePrice | None]  # the bed-day fee of an inpatient stay


@dataclass(frozen=True)
class FacilityInfo:
    code: str  # MA_CSKCB
    department_codes: dict[str, str]  # our department code → MA_KHOA
    practitioner_codes: dict[str, str]  # Practitioner id → practising-licence number (MA_BAC_SI)
    head_code: str = ""  # MA_TTDV: the head of the facility (or delegate) who answers for the claim


@dataclass
class ClaimDraft:
    ma_lk: str
    tables: dict[str, list[dict[str, str]]]
    missing: list[str] = field(default_factory=list)
    total: Decimal = Decimal(0)
    fund: Decimal = Decimal(0)


def _code(concept: JSON | None, system: str) -> tuple[str, str]:
    for c in (concept or {}).get("coding") or ():
        if c.get("system") == system:
            return c.get("code", ""), c.get("display", "") or (concept or {}).get("text", "")
    return "", ""


def _identifier(resource: JSON, system: str, prefix: bool = False) -> str:
    for ident in resource.get("identifier") or ():
        s = ident.get("system", "")
        if (s.startswith(system) if prefix else s == system) and ident.get("value"):
            return str(ident["value"])
    return ""


def _text_of(note: JSON) -> str:
    for content in note.get("content") or ():
        data = (content.get("attachment") or {}).get("data")
        if data:
            return base64.b64decode(data).decode("utf-8", errors="replace")
    return ""


def _note_kind(note: JSON) -> str:
    for cat in note.get("category") or ():
        for c in cat.get("coding") or ():
            if c.get("system") == NOTE_KIND_SYSTEM:
                return str(c.get("code", ""))
    return ""


class _Builder:
    def __init__(self, ep: Episode, facility: FacilityInfo, prices: PriceBook) -> None:
        self.ep, self.facility, self.prices = ep, facility, prices
        self.missing: list[str] = []
        enc = ep.encounter
        self.ma_lk = f"{facility.code}{enc['id'].replace('-', '')}"[:100]
        self.inpatient = (enc.get("class") or {}).get("code") == "IMP"
        self.loai_kcb = "03" if self.inpatient else "01"
        period = enc.get("period") or {}
        self.start, self.end = period.get("start", ""), period.get("end", "")
        self.card = (ep.coverage or {}).get("subscriberId") or _identifier(ep.patient, BHYT_SYSTEM)
        level = self.card[2] if len(self.card) == 15 else ""
        self.benefit = Decimal(BENEFIT_SHARE[level]) if level in BENEFIT_SHARE else None
        if self.benefit is None:
            self.need("mức hưởng BHYT (thẻ BHYT 15 ký tự có mã mức hưởng)")

    def need(self, what: str) -> None:
        if what not in self.missing:
            self.missing.append(what)

    # --- shared pieces ---------------------------------------------------------------------------
    def department(self) -> str:
        for loc in reversed(self.ep.encounter.get("location") or ()):
            ident = (loc.get("location") or {}).get("identifier") or {}
            if ident.get("system") == LOCATION_SYSTEM:
                code = str(ident.get("value", "")).split("/")[0]
                if code in self.facility.department_codes:
                    found = self.facility.department_codes[code]
                    if found:
                        return found
        self.need("mã khoa BHYT (MA_KHOA) của khoa điều trị")
        return ""

    def bed(self) -> str:
        for loc in reversed(self.ep.encounter.get("location") or ()):
            value = str(((loc.get("location") or {}).get("identifier") or {}).get("value", ""))
            if "/" in value:
                return value.rsplit("/", 1)[1]
        return ""

    def doctor(self, who: JSON | None) -> str:
        ref = (who or {}).get("reference", "")
        code = self.facility.practitioner_codes.get(ref.split("/", 1)[1], "") if ref.startswith("Practitioner/") else ""
        if not code:
            self.need(f"số chứng chỉ hành nghề (MA_BAC_SI) của {(who or {}).get('display') or 'người chỉ định'}")
        return code

    def icd(self) -> tuple[list[str], list[str]]:
        codes, names = [], []
        for condition in self.ep.conditions:
            code, name = _code(condition.get("code"), ICD10_SYSTEM)
            if code:
                codes.append(code)
                names.append(f"{name or (condition.get('code') or {}).get('text', '')}".strip())
        if not codes:
            self.need("chẩn đoán chính (mã ICD-10)")
        return codes, names

    def pay(self, quantity: Decimal, price: Decimal, insured_price: Decimal | None, ratio: Decimal) -> LinePayment:
        return line_payment(quantity, price, insured_price if insured_price is not None else price,
                            in_scope=insured_price is not None and bool(self.card),
                            item_ratio_percent=ratio, benefit_percent=self.benefit or Decimal(0))

    @staticmethod
    def _money_fields(p: LinePayment) -> dict[str, str]:
        return {"THANH_TIEN_BV": money(p.total), "THANH_TIEN_BH": money(p.insured), "T_BHTT": money(p.fund),
                "T_BNCCT": money(p.copay), "T_BNTT": money(p.patient), "T_NGUONKHAC": "0"}

    # --- tables ----------------------------------------------------------------------------------
    def xml2(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        for request in self.ep.medications:
            code, _name = _code(request.get("medicationCodeableConcept"), DRUG_SYSTEM)
            drug = self.prices.drug(code) if code else None
            if drug is None:
                self.need(f"mã thuốc trong danh mục cho '{(request.get('medicationCodeableConcept') or {}).get('text', '')}'")
                continue
            quantity = Decimal(str(((request.get("dispenseRequest") or {}).get("quantity") or {}).get("value", 0)))
            dosage = (request.get("dosageInstruction") or [{}])[0]
            p = self.pay(quantity, drug.price, drug.price if drug.covered else None, drug.ratio)
            rows.append({
                "MA_LK": self.ma_lk, "STT": str(len(rows) + 1), "MA_THUOC": drug.code, "MA_NHOM": drug.group or "4",
                "TEN_THUOC": drug.name, "DON_VI_TINH": drug.unit, "HAM_LUONG": drug.strength,
                "DUONG_DUNG": (dosage.get("route") or {}).get("text", "") or drug.route, "DANG_BAO_CHE": drug.form,
                "LIEU_DUNG": dosage.get("text", ""), "CACH_DUNG": dosage.get("patientInstruction", ""),
                "SO_DANG_KY": drug.registration, "TT_THAU": drug.bid, "PHAM_VI": "1" if drug.covered else "2",
                "TYLE_TT_BH": number(drug.ratio), "SO_LUONG": number(quantity), "DON_GIA": money(drug.price),
                **self._money_fields(p), "MUC_HUONG": number(self.benefit or 0),
                "MA_KHOA": self.department(), "MA_BAC_SI": self.doctor(request.get("requester")),
                "NGAY_YL": xml_instant(request.get("authoredOn", "")),
            })
            self._add(p, drug=True)
        return rows

    def xml3(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        exam = self.prices.exam_service()
        if not self.inpatient:
            if exam is None:
                self.need("dịch vụ khám bệnh (MA_NHOM 13) trong danh mục dịch vụ kỹ thuật")
            else:
                rows.append(self._service_row(rows, exam, Decimal(1), self.start, None, self.start))
        else:
            bed = self.prices.bed_service()
            days = self.treatment_days()
            if bed is None:
                self.need("dịch vụ ngày giường bệnh (MA_NHOM 14–16) trong danh mục")
            elif days:
                row = self._service_row(rows, bed, Decimal(days), self.start, None, self.start)
                row["MA_GIUONG"] = self.bed()
                rows.append(row)
        for request in self.ep.services:
            code, name = _code(request.get("code"), SERVICE_SYSTEM)
            service = self.prices.service(code) if code else None
            if service is None:
                self.need(f"mã dịch vụ kỹ thuật trong danh mục cho '{name or (request.get('code') or {}).get('text', '')}'")
                continue
            result_time = max((o.get("issued", "") for o in self._results_of(request["id"])), default="")
            rows.append(self._service_row(rows, service, Decimal(1), request.get("authoredOn", ""),
                                          request.get("requester"), result_time))
        return rows

    def _service_row(self, rows: list[dict[str, str]], service: ServicePrice, quantity: Decimal, ordered: str,
                     requester: JSON | None, result: str) -> dict[str, str]:
        p = self.pay(quantity, service.price, service.insured_price, Decimal(100))
        self._add(p, drug=False)
        who = requester or self.attending()
        codes, _names = self.icd()
        return {
            "MA_LK": self.ma_lk, "STT": str(len(rows) + 1), "MA_DICH_VU": service.code, "MA_NHOM": service.group,
            "TEN_DICH_VU": service.name, "DON_VI_TINH": service.unit or "lần",
            "PHAM_VI": "1" if service.insured_price is not None else "2", "SO_LUONG": number(quantity),
            "DON_GIA_BV": money(service.price), "DON_GIA_BH": money(service.insured_price or Decimal(0)),
            "TYLE_TT_DV": "100", "TYLE_TT_BH": "100", **self._money_fields(p),
            "MUC_HUONG": number(self.benefit or 0), "MA_KHOA": self.department(),
            "MA_BAC_SI": self.doctor(who) if who else self._no_doctor(), "MA_BENH": ";".join(codes),
            "NGAY_YL": xml_instant(ordered), "NGAY_TH_YL": xml_instant(ordered), "NGAY_KQ": xml_instant(result),
        }

    def attending(self) -> JSON | None:
        """Who examined: the encounter's participant, else whoever recorded its diagnoses or notes."""
        for pt in self.ep.encounter.get("participant") or ():
            if pt.get("individual"):
                return pt["individual"]
        for condition in self.ep.conditions:
            if condition.get("recorder"):
                return condition["recorder"]
        for note in self.ep.notes:
            if note.get("author"):
                return note["author"][0]
        return None

    def _no_doctor(self) -> str:
        self.need("bác sĩ khám (người thực hiện lượt khám)")
        return ""

    def _results_of(self, request_id: str) -> list[JSON]:
        ref = f"ServiceRequest/{request_id}"
        return [o for o in self.ep.observations if any(b.get("reference") == ref for b in o.get("basedOn") or ())]

    def xml4(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        for request in self.ep.services:
            service_code, _n = _code(request.get("code"), SERVICE_SYSTEM)
            for obs in self._results_of(request["id"]):
                code, name = _code(obs.get("code"), LABTEST_SYSTEM)
                value = obs.get("valueQuantity") or {}
                rows.append({
                    "MA_LK": self.ma_lk, "STT": str(len(rows) + 1), "MA_DICH_VU": service_code,
                    "MA_CHI_SO": code, "TEN_CHI_SO": name or (obs.get("code") or {}).get("text", ""),
                    "GIA_TRI": number(value["value"]) if "value" in value else str(obs.get("valueString", "")),
                    "DON_VI_DO": value.get("unit", ""),
                    "KET_LUAN": "; ".join(i.get("text", "") for i in obs.get("interpretation") or () if i.get("text")),
                    "NGAY_KQ": xml_instant(obs.get("issued") or obs.get("effectiveDateTime", "")),
                    "MA_BS_DOC_KQ": self.doctor((obs.get("performer") or [None])[0]) if obs.get("performer") else "",
                })
        return rows

    def xml5(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        for note in sorted(self.ep.notes, key=lambda n: n.get("date", "")):
            if _note_kind(note) not in ("course", "exam", "history") or not (text := _text_of(note)):
                continue
            rows.append({"MA_LK": self.ma_lk, "STT": str(len(rows) + 1), "DIEN_BIEN_LS": text,
                         "THOI_DIEM_DBLS": xml_instant(note.get("date", "")),
                         "NGUOI_THUC_HIEN": self.doctor((note.get("author") or [None])[0])})
        return rows

    def treatment_days(self) -> int:
        start, end = parse_fhir_datetime(self.start), parse_fhir_datetime(self.end)
        if not (start and end):
            return 0
        # Inpatient days count the day of admission and of discharge as one span (ra − vào + 1).
        return (end.date() - start.date()).days + 1 if self.inpatient else 0

    def xml1(self, xml2: list[dict[str, str]], xml3: list[dict[str, str]]) -> dict[str, str]:
        ep, patient, enc = self.ep, self.ep.patient, self.ep.encounter
        codes, names = self.icd()
        address = (patient.get("address") or [{}])[0]
        phone = next((t.get("value", "") for t in patient.get("telecom") or () if t.get("system") == "phone"), "")
        period = (ep.coverage or {}).get("period") or {}
        if not self.card:
            self.need("số thẻ BHYT")
        for label, value in (("ngày thẻ BHYT có giá trị (từ ngày)", period.get("start")),
                             ("ngày thẻ BHYT hết giá trị (đến ngày)", period.get("end"))):
            if not value:
                self.need(label)
        if not self.end:
            self.need("ngày ra (lượt khám chưa kết thúc)")
        disposition = ((enc.get("hospitalization") or {}).get("dischargeDisposition") or {})
        loai_rv = next((DISCHARGE_KIND.get(c.get("code", ""), "") for c in disposition.get("coding") or ()), "")
        if not loai_rv:
            self.need("tình trạng ra viện (MA_LOAI_RV)")
        result = next((e.get("valueCoding", {}).get("code", "") for e in enc.get("extension") or ()
                       if e.get("url") == RESULT_EXTENSION), "")
        if not result:
            self.need("kết quả điều trị (KET_QUA_DTRI)")
        category = next((e.get("valueCoding", {}).get("code", "") for e in enc.get("extension") or ()
                         if e.get("url") == CATEGORY_EXTENSION), "")
        if not category:
            self.need("đối tượng khám chữa bệnh (MA_DOITUONG_KCB: đúng tuyến, cấp cứu, chuyển tuyến...)")
        end = parse_fhir_datetime(self.end) or datetime.now()
        return {
            "MA_LK": self.ma_lk, "STT": "1",
            "MA_BN": _identifier(patient, MRN_PREFIX, prefix=True) or patient.get("id", ""),
            "HO_TEN": " ".join(n.get("text") or " ".join([n.get("family", ""), *n.get("given", [])])
                               for n in (patient.get("name") or [{}])[:1]).strip(),
            "SO_CCCD": _identifier(patient, CCCD_SYSTEM), "NGAY_SINH": xml_birth(patient.get("birthDate", "")),
            "GIOI_TINH": SEX.get(patient.get("gender", ""), ""), "DIA_CHI": address.get("text", ""),
            "DIEN_THOAI": phone, "MA_THE_BHYT": self.card,
            "GT_THE_TU": xml_date(period.get("start")), "GT_THE_DEN": xml_date(period.get("end")),
            "LY_DO_VV": "; ".join(r.get("text", "") for r in enc.get("reasonCode") or ()),
            "CHAN_DOAN_VAO": names[0] if names else "", "CHAN_DOAN_RV": "; ".join(names),
            "MA_BENH_CHINH": codes[0] if codes else "", "MA_BENH_KT": ";".join(codes[1:]),
            "MA_DOITUONG_KCB": category,
            "NGAY_VAO": xml_instant(self.start), "NGAY_VAO_NOI_TRU": xml_instant(self.start) if self.inpatient else "",
            "NGAY_RA": xml_instant(self.end), "SO_NGAY_DTRI": str(self.treatment_days()),
            "KET_QUA_DTRI": result, "MA_LOAI_RV": loai_rv,
            "NGAY_TTOAN": xml_instant(self.end), "T_THUOC": money(self.drug_total), "T_VTYT": "0",
            "T_TONGCHI_BV": money(self.total), "T_TONGCHI_BH": money(self.insured), "T_BNTT": money(self.patient),
            "T_BNCCT": money(self.copay), "T_BHTT": money(self.fund), "T_NGUONKHAC": "0", "T_BHTT_GDV": "0",
            "NAM_QT": str(end.year), "THANG_QT": str(end.month), "MA_LOAI_KCB": self.loai_kcb,
            "MA_KHOA": self.department(), "MA_CSKCB": self.facility.code,
            "NGAY_TAI_KHAM": xml_date(ep.appointments[0].get("start")) if ep.appointments else "",
            "MA_HSBA": _identifier(patient, MRN_PREFIX, prefix=True), "MA_TTDV": self.head(),
        }

    def head(self) -> str:
        if not self.facility.head_code:
            self.need("mã thủ trưởng đơn vị (MA_TTDV) trong cấu hình cơ sở")
        return self.facility.head_code

    total = insured = fund = copay = patient = drug_total = Decimal(0)

    def _add(self, p: LinePayment, *, drug: bool) -> None:
        self.total += p.total
        self.insured += p.insured
        self.fund += p.fund
        self.copay += p.copay
        self.patient += p.patient
        if drug:
            self.drug_total += p.total

    def xml7(self, xml1: dict[str, str]) -> list[dict[str, str]]:
        summary = next((c for c in self.ep.compositions if _code(c.get("type"), "http://loinc.org")[0] == "18842-5"), None)
        if summary is None:
            self.need("giấy ra viện (tóm tắt ra viện đã ký)")
            return []
        sections = {s.get("title", ""): s for s in summary.get("section") or ()}
        treatment: JSON = next((s for t, s in sections.items() if "điều trị" in t.lower()), {})
        return [{
            "MA_LK": self.ma_lk, "SO_LUU_TRU": xml1["MA_HSBA"], "MA_YTE": xml1["MA_BN"],
            "MA_KHOA_RV": xml1["MA_KHOA"], "NGAY_VAO": xml1["NGAY_VAO"], "NGAY_RA": xml1["NGAY_RA"],
            "CHAN_DOAN_RV": xml1["CHAN_DOAN_RV"], "PP_DIEUTRI": _plain((treatment.get("text") or {}).get("div", "")),
            "MA_TTDV": xml1["MA_TTDV"], "MA_BS": self.doctor((summary.get("author") or [None])[0]),
            "TEN_BS": ((summary.get("author") or [{}])[0]).get("display", ""), "NGAY_CT": xml_date(summary.get("date")),
        }]

    def xml8(self, xml1: dict[str, str], xml7: list[dict[str, str]], xml4: list[dict[str, str]]) -> list[dict[str, str]]:
        course = " ".join(r["DIEN_BIEN_LS"] for r in self.xml5())
        return [{
            "MA_LK": self.ma_lk, "MA_LOAI_KCB": xml1["MA_LOAI_KCB"], "NGAY_VAO": xml1["NGAY_VAO"],
            "NGAY_RA": xml1["NGAY_RA"], "CHAN_DOAN_VAO": xml1["CHAN_DOAN_VAO"], "CHAN_DOAN_RV": xml1["CHAN_DOAN_RV"],
            "QT_BENHLY": course, "TOMTAT_KQ": "; ".join(f"{r['TEN_CHI_SO']}: {r['GIA_TRI']} {r['DON_VI_DO']}".strip()
                                                      for r in xml4),
            "PP_DIEUTRI": xml7[0]["PP_DIEUTRI"] if xml7 else "", "KET_QUA_DTRI": xml1["KET_QUA_DTRI"],
            "MA_TTDV": xml1["MA_TTDV"], "NGAY_CT": xml7[0]["NGAY_CT"] if xml7 else xml_date(self.end),
        }]

    def referral(self) -> tuple[JSON, JSON | None] | None:
        """The episode's referral out (the latest) and its paper, the Composition written with it."""
        if not self.ep.referrals:
            return None
        request = max(self.ep.referrals, key=lambda r: r.get("authoredOn", ""))
        papers = [c for c in self.ep.compositions if _code(c.get("type"), "http://loinc.org")[0] == REFERRAL_PAPER]
        paper = next((c for c in papers if c.get("date") == request.get("authoredOn")),
                     max(papers, key=lambda c: c.get("date", "")) if papers else None)
        return request, paper

    @staticmethod
    def destination(request: JSON) -> str:
        ident = ((request.get("performer") or [{}])[0].get("identifier") or {})
        return str(ident.get("value", "")) if ident.get("system") == CSKCB_SYSTEM else ""

    def xml13(self, xml1: dict[str, str], request: JSON, paper: JSON | None) -> list[dict[str, str]]:
        """The referral paper (giấy chuyển cơ sở) from the referral's ServiceRequest and its signed Composition."""
        if paper is None:
            self.need("giấy chuyển cơ sở KCB (bản đã ký của lượt chuyển)")
        sections = _sections(paper or {})
        reason = _code({"coding": [c for r in request.get("reasonCode") or () for c in r.get("coding") or ()]},
                       REFERRAL_REASON_SYSTEM)[0]
        if not reason:
            self.need("mã lý do chuyển cơ sở (MA_LYDO_CT)")
        destination = self.destination(request)
        if not destination:
            self.need("mã cơ sở nhận người bệnh chuyển đến (MA_CSKCB_DEN)")
        transport, _sep, escort = _nth(sections, "74213-0").partition("\n")
        escort_name, _c, escort_title = escort.partition(",")
        row = {
            "MA_LK": self.ma_lk, "SO_HOSO": xml1["MA_HSBA"], "SO_CHUYENTUYEN": _identifier(request, REFERRAL_ID_SYSTEM)[:50],
            "MA_CSKCB": self.facility.code, "MA_CSKCB_DI": self.facility.code, "MA_CSKCB_DEN": destination,
            "MA_NOI_DI": self.facility.code, "MA_NOI_DEN": destination,
            **{k: xml1[k] for k in ("HO_TEN", "NGAY_SINH", "GIOI_TINH", "DIA_CHI", "MA_THE_BHYT", "GT_THE_DEN",
                                    "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "CHAN_DOAN_RV", "MA_BENH_CHINH",
                                    "MA_BENH_KT", "MA_TTDV")},
            "DAU_HIEU_LS": _nth(sections, "10210-3"), "QT_BENHLY": _nth(sections, "10164-2"),
            "TOMTAT_KQ": _nth(sections, "30954-2"), "PP_DIEUTRI": _nth(sections, "18776-5"),
            "PP_DIEU_TRI": _nth(sections, "18776-5"), "TINH_TRANG_CT": _nth(sections, "8716-3"),
            "MA_LOAI_RV": "2", "MA_LYDO_CT": reason, "HUONG_DIEU_TRI": _nth(sections, "18776-5", 1),
            "PHUONGTIEN_VC": transport.strip(), "HOTEN_NGUOI_HT": escort_name.strip(),
            "CHUCDANH_NGUOI_HT": escort_title.strip(), "MA_BAC_SI": self.doctor(request.get("requester")),
        }
        fields = table_specs()["XML13"].fields  # 4750 and 3176 name the two facilities differently
        return [{k: v for k, v in row.items() if k in fields}]

    def xml14(self, xml1: dict[str, str]) -> list[dict[str, str]]:
        appt = self.ep.appointments[0]
        doctor = next((p.get("actor") for p in appt.get("participant") or ()
                       if (p.get("actor") or {}).get("reference", "").startswith("Practitioner/")), None)
        return [{
            "MA_LK": self.ma_lk, "SO_GIAYHEN_KL": appt["id"][:50], "MA_CSKCB": self.facility.code,
            "HO_TEN": xml1["HO_TEN"], "NGAY_SINH": xml1["NGAY_SINH"], "GIOI_TINH": xml1["GIOI_TINH"],
            "DIA_CHI": xml1["DIA_CHI"], "MA_THE_BHYT": xml1["MA_THE_BHYT"], "GT_THE_DEN": xml1["GT_THE_DEN"],
            "NGAY_VAO": xml1["NGAY_VAO"], "NGAY_VAO_NOI_TRU": xml1["NGAY_VAO_NOI_TRU"], "NGAY_RA": xml1["NGAY_RA"],
            "NGAY_HEN_KL": xml_date(appt.get("start")), "CHAN_DOAN_RV": xml1["CHAN_DOAN_RV"],
            "MA_BENH_CHINH": xml1["MA_BENH_CHINH"], "MA_BENH_KT": xml1["MA_BENH_KT"],
            "MA_DOITUONG_KCB": xml1["MA_DOITUONG_KCB"], "MA_BAC_SI": self.doctor(doctor) if doctor else self._no_doctor(),
            "MA_TTDV": xml1["MA_TTDV"], "NGAY_CT": xml_date(appt.get("created")),
        }]


# The referral paper's sections (benhan.exchange.referral) by LOINC code; a code used twice is told apart by order.
REFERRAL_PAPER = "57133-1"
REFERRAL_REASON_SYSTEM = "https://benhan.vn/fhir/CodeSystem/ly-do-chuyen-co-so"
REFERRAL_ID_SYSTEM = "https://benhan.vn/fhir/sid/ma-chuyen-co-so"
CSKCB_SYSTEM = "http://fhir.hl7.org.vn/core/sid/ma-cskcb"


def _sections(composition: JSON) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for section in composition.get("section") or ():
        code = _code(section.get("code"), "http://loinc.org")[0]
        out.setdefault(code, []).append(_plain((section.get("text") or {}).get("div", "")))
    return out


def _nth(sections: dict[str, list[str]], code: str, n: int = 0) -> str:
    texts = sections.get(code) or []
    return texts[n] if len(texts) > n else ""


def _plain(div: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<br\s*/?>", "\n", re.sub(r"</?div[^>]*>", "", div))).strip()


def build_claim(ep: Episode, facility: FacilityInfo, prices: PriceBook) -> ClaimDraft:
    b = _Builder(ep, facility, prices)
    xml2, xml3 = b.xml2(), b.xml3()
    xml4, xml5 = b.xml4(), b.xml5()
    xml1 = b.xml1(xml2, xml3)
    tables: dict[str, list[dict[str, str]]] = {"XML1": [xml1]}
    for name, rows in (("XML2", xml2), ("XML3", xml3), ("XML4", xml4), ("XML5", xml5)):
        if rows:
            tables[name] = rows
    if xml1["MA_LOAI_KCB"] in LOAI_KCB_INPATIENT:
        xml7 = b.xml7(xml1)
        if xml7:
            tables["XML7"] = xml7
        tables["XML8"] = b.xml8(xml1, xml7, xml4)
    referral = b.referral()
    if referral is not None:
        xml13 = b.xml13(xml1, *referral)
        tables["XML13"] = xml13
        xml1["MA_NOI_DEN"] = b.destination(referral[0])
    if ep.appointments:
        tables["XML14"] = b.xml14(xml1)
    return ClaimDraft(b.ma_lk, tables, b.missing, b.total, b.fund)


