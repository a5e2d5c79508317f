"""The claim workflow: generate from the record, check, sign in a batch envelope, send, track.

`generate` is safe to run again: a claim is regenerated from the current record until it has
been accepted by the portal, so correcting the record and generating again is how a claim is fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from benhan.accounts.models import Facility, User
from benhan.fhir.repository import Repository

from . import envelope
from .builder import FacilityInfo, PriceBook, build_claim
from .catalogs import CATALOGS, PRICES, facility_info, remembered_catalogs, remembered_prices
from .checks import Catalogs, check_claim
from .envelope import Dossier
from .episode import load_episode
from .models import Claim
from .portal import ClaimPortal, PortalError
from .spec import version as current_version
from .values import parse_fhir_datetime


class ClaimError(Exception):
    """A claim operation that cannot proceed; the message is Vietnamese."""


def head_of_unit(facility: Facility) -> str:
    return getattr(settings, "BHYT_HEAD_OF_UNIT", {}).get(facility.code, "")


@dataclass(frozen=True)
class ClaimContext:
    """What every claim of a batch shares: the facility, its catalog codes, and catalog lookups."""

    facility: Facility
    info: FacilityInfo
    prices: PriceBook
    catalogs: Catalogs


def claim_context(facility_code: str, *, batch: bool = False) -> ClaimContext:
    """The facility's context; `batch` remembers catalog lookups across the claims of one run."""
    facility = Facility.objects.filter(code=facility_code).first()
    if facility is None:
        raise ClaimError(f"không tìm thấy cơ sở {facility_code}")
    return ClaimContext(facility, facility_info(facility, head_of_unit(facility)),
                        remembered_prices() if batch else PRICES, remembered_catalogs() if batch else CATALOGS)


def generate(repo: Repository, encounter_id: str, context: ClaimContext | None = None) -> Claim:
    """Build and check the claim of one finished encounter; store its tables and what is wrong or missing."""
    context = context or claim_context(repo.facility)
    facility = context.facility
    if facility.code != repo.facility:
        raise ClaimError("hồ sơ và cơ sở không khớp")
    with transaction.atomic():  # one commit for the episode's reads and their audit rows
        episode = load_episode(repo, encounter_id)
    if episode.encounter.get("status") != "finished":
        raise ClaimError("chỉ lập hồ sơ thanh toán cho lượt khám đã kết thúc")
    draft = build_claim(episode, context.info, context.prices)
    problems = [f"Thiếu: {m}" for m in draft.missing]
    problems += [str(p) for p in check_claim(draft.tables, context.catalogs)]
    if draft.missing:
        status = Claim.Status.INCOMPLETE
    elif problems:
        status = Claim.Status.INVALID
    else:
        status = Claim.Status.READY
    end = parse_fhir_datetime((episode.encounter.get("period") or {}).get("end", "")) or timezone.now()
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(ma_lk=draft.ma_lk).first()
        if claim is not None and claim.status in (Claim.Status.SUBMITTED, Claim.Status.ACCEPTED):
            raise ClaimError(f"hồ sơ {draft.ma_lk} đã gửi cổng BHXH; không lập lại")
        claim = claim or Claim(ma_lk=draft.ma_lk)
        claim.facility, claim.encounter_id = facility.code, encounter_id
        claim.patient_id = episode.patient["id"]
        claim.period_end, claim.status, claim.version = end, status, current_version()
        claim.tables, claim.problems = draft.tables, problems
        claim.total_cost, claim.insurance_pays = draft.total, draft.fund
        claim.save()
    repo.audit_event("operation", resource_type="Encounter", resource_id=encounter_id,
                     patient_id=episode.patient["id"], query=f"bhyt-claim {draft.ma_lk} {status}")
    return claim


@dataclass(frozen=True)
class Batch:
    envelope: bytes
    claims: list[Claim]


def _signing_material(signer: User) -> tuple[object, list[object]]:
    from benhan.documents.signing.credentials import active_credential, signer_for
    from benhan.documents.signing.keys import LocalKeySigner

    digest_signer = signer_for(active_credential(signer))
    if not isinstance(digest_signer, LocalKeySigner) or digest_signer.key is None:
        raise ClaimError("ký hồ sơ BHYT cần chứng thư số có khóa tại cơ sở (USB token/PKCS#12 hoặc CA của cơ sở)")
    return digest_signer.key, [digest_signer.certificate, *digest_signer.chain]


def export_batch(facility: Facility, start: date, end: date, signer: User,
                 ma_lks: Sequence[str] | None = None) -> Batch:
    """Every ready (or rejected and regenerated) claim of the period in one signed GIAMDINHHS envelope
    (only the named ones when `ma_lks` is given: a single claim sent again)."""
    qs = Claim.objects.filter(
        facility=facility.code, status__in=[Claim.Status.READY, Claim.Status.REJECTED],
        period_end__date__gte=start, period_end__date__lte=end,
    )
    if ma_lks is not None:
        qs = qs.filter(ma_lk__in=list(ma_lks))
    claims = list(qs.order_by("period_end", "ma_lk"))
    if not claims:
        raise ClaimError("không có hồ sơ nào sẵn sàng trong khoảng thời gian đã chọn")
    key, chain = _signing_material(signer)
    body = envelope.build(facility.code, [Dossier(c.tables) for c in claims], created=timezone.localdate())
    return Batch(envelope.sign(body, key, chain), claims)  # type: ignore[arg-type]


def submit(batch: Batch, facility: Facility, portal: ClaimPortal) -> None:
    """Send the envelope; every claim in it records the portal's answer (and may be sent again if refused)."""
    ids = [c.pk for c in batch.claims]
    Claim.objects.filter(pk__in=ids).update(status=Claim.Status.SUBMITTED, submitted_at=timezone.now())
    try:
        receipt = portal.submit(facility.code, batch.envelope)
    except PortalError as exc:
        status = Claim.Status.READY if exc.retryable else Claim.Status.REJECTED
        for claim in Claim.objects.filter(pk__in=ids):
            claim.status, claim.portal_message, claim.attempts = status, str(exc), claim.attempts + 1
            claim.save(update_fields=["status", "portal_message", "attempts"])
        raise
    for claim in Claim.objects.filter(pk__in=ids):
        claim.status, claim.transaction_id = Claim.Status.ACCEPTED, receipt.transaction_id
        claim.portal_message, claim.attempts = receipt.message, claim.attempts + 1
        claim.save(update_fields=["status", "transaction_id", "portal_message", "attempts"])


def month_range(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, date.fromordinal(nxt.toordinal() - 1)


def claims_for(facility: Facility, statuses: Sequence[str] | None = None) -> list[Claim]:
    qs = Claim.objects.filter(facility=facility.code)
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    return list(qs)




# The insurance facts the clinical record does not carry by itself, completed by the insurance desk.
RESULT_CODES = {"1": "Khỏi", "2": "Đỡ", "3": "Không thay đổi", "4": "Nặng hơn", "5": "Tử vong", "6": "Chưa xác định"}


def record_claim_facts(repo: Repository, encounter_id: str, *, result: str, category: str) -> None:
    """Set the treatment result (KET_QUA_DTRI) and patient category (MA_DOITUONG_KCB) on the encounter."""
    from .builder import CATEGORY_EXTENSION, RESULT_EXTENSION

    if result not in RESULT_CODES:
        raise ClaimError("kết quả điều trị không hợp lệ")
    if not category or not all(part.isdigit() for part in category.split(".")):
        raise ClaimError("mã đối tượng khám chữa bệnh không hợp lệ (ví dụ 1.1, 3.1)")
    with repo.atomic():
        stored = repo.read("Encounter", encounter_id)
        encounter = stored.json()
        kept = [e for e in encounter.get("extension") or () if e.get("url") not in (RESULT_EXTENSION, CATEGORY_EXTENSION)]
        encounter["extension"] = [
            *kept,
            {"url": RESULT_EXTENSION, "valueCoding": {"code": result, "display": RESULT_CODES[result]}},
            {"url": CATEGORY_EXTENSION, "valueCoding": {"code": category}},
        ]
        repo.update(encounter, encounter_id, if_match=stored.version_id)
