"""Making, opening and revoking share links. Plain functions; the views only render.

The patient picks results and signed papers (one by one, or everything in a period), a lifetime and
optionally a passcode. What may be read is pinned when the link is made, through the patient's own
repository; the viewer reads through a share repository limited to exactly that (policy.py)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benhan.fhir.repository import Repository
from benhan.portal import records
from benhan.portal.access import Opened
from benhan.portal.models import Account

from .models import ShareLink, ShareUse

LIFETIMES_HOURS = (1, 24, 72, 168, 720)  # an hour, a day, three days, a week, thirty days
MAX_PASSCODE_TRIES = 5


class ShareError(Exception):
    """Refused, with a Vietnamese message for the page."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Choice:
    """What the patient may pick from: released results and current signed papers."""

    results: list[records.Result]
    papers: list[records.Paper]


def shareable(repo: Repository, opened: Opened) -> Choice:
    return Choice(records.results(repo, opened.patient_ids), records.papers(repo, opened.patient_ids))


def _in_period(moment: datetime | None, start: date, end: date) -> bool:
    return moment is not None and start <= timezone.localtime(moment).date() <= end


def create(account: Account, opened: Opened, repo: Repository, *, report_ids: list[str], document_ids: list[str],
           period: tuple[date, date] | None, hours: int, passcode: str = "", label: str = "") -> tuple[ShareLink, str]:
    """A new link and its token (shown once: only its hash is kept)."""
    if not opened.can_manage:
        raise ShareError(_("Chỉ chủ hồ sơ mới được tạo liên kết chia sẻ."))
    if hours not in LIFETIMES_HOURS:
        raise ShareError(_("Thời hạn không hợp lệ."))
    passcode = passcode.strip()
    if passcode and not 4 <= len(passcode) <= 32:
        raise ShareError(_("Mã bảo vệ cần từ 4 đến 32 ký tự."))
    choice = shareable(repo, opened)
    if period is not None:
        start, end = period
        if start > end:
            raise ShareError(_("Ngày bắt đầu phải trước ngày kết thúc."))
        reports = [r.id for r in choice.results if _in_period(r.issued, start, end)]
        documents = [p.id for p in choice.papers if _in_period(p.signed, start, end)]
    else:
        allowed_reports, allowed_docs = {r.id for r in choice.results}, {p.id for p in choice.papers}
        if not set(report_ids) <= allowed_reports or not set(document_ids) <= allowed_docs:
            raise ShareError(_("Có mục không thuộc hồ sơ này."))
        reports, documents = list(dict.fromkeys(report_ids)), list(dict.fromkeys(document_ids))
    if not reports and not documents:
        raise ShareError(_("Chọn ít nhất một kết quả hoặc giấy tờ để chia sẻ."))
    readable = [f"DiagnosticReport/{i}" for i in reports] + [f"DocumentReference/{i}" for i in documents]
    patients: set[str] = set()
    for stored in repo.read_refs([("DiagnosticReport", i) for i in reports] + [("DocumentReference", i) for i in documents]):
        resource = stored.json()
        readable += [r["reference"] for r in resource.get("result") or () if "/" in r.get("reference", "")]
        subject = (resource.get("subject") or {}).get("reference", "")
        if subject.startswith("Patient/"):
            patients.add(subject)
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        profile=opened.profile, created_by=account, token_hash=token_hash(token), label=label.strip()[:120],
        items=[f"DiagnosticReport/{i}" for i in reports] + [f"DocumentReference/{i}" for i in documents],
        readable=sorted(set(readable) | patients), passcode_hash=make_password(passcode) if passcode else "",
        expires=timezone.now() + timedelta(hours=hours))
    return link, token


def links_of(opened: Opened) -> list[ShareLink]:
    return list(opened.profile.share_links.order_by("-created").prefetch_related("uses"))


def revoke(account: Account, link_id: int | str) -> None:
    if not ShareLink.objects.filter(pk=link_id, profile__account=account, revoked__isnull=True).update(revoked=timezone.now()):
        raise ShareError(_("Không tìm thấy liên kết này."), "not_found")


@dataclass(frozen=True)
class Visit:
    """Who is using a link: for the log the patient reads."""

    ip: str = ""
    user_agent: str = ""


def log(link: ShareLink, visit: Visit, action: str, target: str = "", ok: bool = True) -> None:
    ShareUse.objects.create(link=link, action=action, target=target[:100], ok=ok, ip=visit.ip[:64],
                            user_agent=visit.user_agent[:200])


def status(link: ShareLink) -> str:
    if link.revoked:
        return "revoked"
    if link.expires <= timezone.now():
        return "expired"
    if link.failed_passcodes >= MAX_PASSCODE_TRIES:
        return "locked"
    return "active"


REFUSALS = {
    "revoked": gettext_lazy("Người bệnh đã thu hồi liên kết này."),
    "expired": gettext_lazy("Liên kết này đã hết hạn."),
    "locked": gettext_lazy("Liên kết đã bị khoá vì nhập sai mã bảo vệ quá nhiều lần."),
}


def open_link(token: str, visit: Visit) -> ShareLink:
    """The link for this token if it may be used now; a refusal is logged on the link it names."""
    link = ShareLink.objects.filter(token_hash=token_hash(token)).first()
    if link is None:
        raise ShareError(_("Liên kết không tồn tại."), "not_found")
    state = status(link)
    if state != "active":
        log(link, visit, "refused", state, ok=False)
        raise ShareError(str(REFUSALS[state]), state)
    return link


def check_passcode(link: ShareLink, passcode: str, visit: Visit) -> bool:
    """Counted under a row lock, so parallel guesses cannot exceed the limit."""
    with transaction.atomic():
        locked = ShareLink.objects.select_for_update().get(pk=link.pk)
        if locked.failed_passcodes >= MAX_PASSCODE_TRIES:
            return False
        if check_password(passcode, locked.passcode_hash):
            log(link, visit, "passcode", ok=True)
            return True
        locked.failed_passcodes += 1
        locked.save(update_fields=["failed_passcodes"])
        link.failed_passcodes = locked.failed_passcodes
        log(link, visit, "passcode", ok=False)
        return False
