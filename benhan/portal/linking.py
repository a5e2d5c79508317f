"""Joining a person's records to a profile: by CCCD + birth date + a code sent to the phone on file,
or by the activation code printed at registration.

The lookup runs through a system Repository (audited as the patient app's linking step), because
the patient's own actor may see nothing until the link exists. Wrong CCCD and wrong birth date get
the same answer, so the form cannot be used to learn whether someone has a record here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benhan.clinical.fhirutil import CCCD_SYSTEM, patient_name
from benhan.fhir.access import Actor
from benhan.fhir.repository import Repository
from benhan.fhir.search import search

from . import otp
from .access import age_on
from .models import Account, ActivationCode, LinkAttempt, LinkedRecord, OtpChallenge, Profile
from .phones import masked, phones_of
from .sms import SmsSender

LOOKUP_WINDOW = timedelta(hours=1)
LOOKUP_MAX_FAILURES = 5
ACTIVATION_TTL = timedelta(days=30)
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off paper by older patients


class LinkError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code  # not_found, rate_limited, no_phone, not_minor, used, expired


def _system_repo(ip: str = "") -> Repository:
    return Repository(Actor.system("portal-linking"), "", source_ip=ip, purpose="PATRQT")


@dataclass
class Match:
    patient_id: str
    facility: str
    name: str
    birth_date: str
    phones: list[str]


def find_records(cccd: str, birth: date, ip: str = "") -> list[Match]:
    """Every Patient on this server with this CCCD and this birth date (one per facility, usually)."""
    result = search(_system_repo(ip), "Patient", [("identifier", f"{CCCD_SYSTEM}|{cccd.strip()}"), ("_count", "50")],
                    base_url=settings.FHIR_BASE_URL)
    out = []
    for entry in result.matches:
        stored = entry.stored()
        patient = stored.json()
        if patient.get("birthDate") == birth.isoformat() and patient.get("active", True):
            out.append(Match(stored.id, stored.tenant, patient_name(patient), patient["birthDate"], phones_of(patient)))
    return out


def _check_lookups(account: Account, ip: str) -> None:
    since = timezone.now() - LOOKUP_WINDOW
    failures = LinkAttempt.objects.filter(account=account, matched=False, created__gte=since).count()
    if failures >= LOOKUP_MAX_FAILURES:
        raise LinkError(_("Đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau 1 giờ."), "rate_limited")


def _check_relation(relation: str, birth: date) -> None:
    if relation == Profile.Relation.CHILD and age_on(birth, timezone.localdate()) >= 16:
        raise LinkError(_("Chỉ liên kết hồ sơ của con dưới 16 tuổi. Người từ 16 tuổi tự liên kết hồ sơ của mình."),
                        "not_minor")


def start_cccd_link(sender: SmsSender, account: Account, cccd: str, birth: date, relation: str,
                    ip: str = "") -> tuple[OtpChallenge, str]:
    """Find the records and text a code to the phone on file; returns the challenge and the masked phone."""
    _check_lookups(account, ip)
    matches = find_records(cccd, birth, ip)
    LinkAttempt.objects.create(account=account, ip=ip, created=timezone.now(), matched=bool(matches))
    if not matches:
        raise LinkError(_("Không tìm thấy hồ sơ khớp với số CCCD và ngày sinh này."), "not_found")
    _check_relation(relation, birth)
    phones = [p for m in matches for p in m.phones]
    if not phones:
        raise LinkError(_("Hồ sơ chưa có số điện thoại. Vui lòng dùng mã kích hoạt in trên phiếu đăng ký."), "no_phone")
    phone = phones[0]  # the phone of the first record found; a person's records usually share one
    payload = {"relation": relation, "name": matches[0].name, "birth_date": matches[0].birth_date,
               "records": [{"id": m.patient_id, "facility": m.facility} for m in matches]}
    challenge = otp.send_code(sender, phone, OtpChallenge.Purpose.LINK, ip=ip, account=account, payload=payload)
    return challenge, masked(phone)


def confirm_cccd_link(account: Account, challenge_id: int | str, code: str) -> Profile:
    verified = otp.verify_code(challenge_id, code, OtpChallenge.Purpose.LINK)
    challenge = verified.challenge
    if challenge.account_id != account.pk:
        raise LinkError(_("Mã không dành cho tài khoản này."), "not_found")
    payload = challenge.payload
    return join(account, payload["relation"], payload["name"], date.fromisoformat(payload["birth_date"]),
                [(r["id"], r["facility"]) for r in payload["records"]], "cccd")


def join(account: Account, relation: str, name: str, birth: date, records: list[tuple[str, str]], method: str) -> Profile:
    """Add the records to the account's own profile, or to the child's profile (one per child, by name and birth)."""
    with transaction.atomic():
        if relation == Profile.Relation.SELF:
            profile, _created = Profile.objects.get_or_create(
                account=account, relation=Profile.Relation.SELF, defaults={"display_name": name, "birth_date": birth})
            if profile.birth_date not in (None, birth):
                # One profile is one person: another person's records never join it.
                raise LinkError(_("Hồ sơ này có ngày sinh khác với hồ sơ của bạn đã liên kết."), "other_person")
        else:
            profile, _created = Profile.objects.get_or_create(
                account=account, relation=Profile.Relation.CHILD, birth_date=birth, display_name=name)
        for patient_id, facility in records:
            try:
                with transaction.atomic():
                    LinkedRecord.objects.create(profile=profile, patient_id=patient_id, facility=facility, method=method)
            except IntegrityError:
                pass  # already linked: linking again is harmless
    return profile


# --- activation codes ------------------------------------------------------------------------------
def _activation_hash(code: str) -> str:
    normal = code.strip().upper().replace("-", "").replace(" ", "")
    return hmac.new(settings.SECRET_KEY.encode(), f"activation:{normal}".encode(), hashlib.sha256).hexdigest()


def issue_activation_code(repo: Repository, patient_id: str) -> str:
    """A new code for the registration slip (reception's repository: it must be able to read the patient).
    Returned once in clear, stored only as a keyed hash."""
    stored = repo.read("Patient", patient_id)
    raw = "".join(secrets.choice(_ALPHABET) for _i in range(10))
    ActivationCode.objects.create(code_hash=_activation_hash(raw), patient_id=patient_id, facility=stored.tenant,
                                  expires=timezone.now() + ACTIVATION_TTL)
    return f"{raw[:5]}-{raw[5:]}"


def redeem_activation_code(account: Account, code: str, relation: str, ip: str = "") -> Profile:
    _check_lookups(account, ip)
    problem: LinkError | None = None
    with transaction.atomic():
        row = ActivationCode.objects.select_for_update().filter(code_hash=_activation_hash(code)).first()
        if row is None:
            problem = LinkError(_("Mã kích hoạt không đúng."), "not_found")
        elif row.used is not None:
            problem = LinkError(_("Mã kích hoạt này đã được sử dụng."), "used")
        elif row.expires <= timezone.now():
            problem = LinkError(_("Mã kích hoạt đã hết hạn. Vui lòng xin mã mới tại quầy tiếp đón."), "expired")
        else:
            patient = _system_repo(ip).read("Patient", row.patient_id).json()
            birth = date.fromisoformat(patient["birthDate"])
            _check_relation(relation, birth)
            row.used = timezone.now()
            row.used_by = account
            row.save(update_fields=["used", "used_by"])
            LinkAttempt.objects.create(account=account, ip=ip, created=timezone.now(), matched=True)
            return join(account, relation, patient_name(patient), birth, [(row.patient_id, row.facility)], "activation")
    # Failures are counted outside the transaction that read the code, so they survive the refusal.
    LinkAttempt.objects.create(account=account, ip=ip, created=timezone.now(), matched=False)
    assert problem is not None
    raise problem


