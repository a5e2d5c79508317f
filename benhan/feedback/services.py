"""Feedback as plain functions: send, triage, respond, close (status changes are conditional UPDATEs)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from benhan.accounts.models import Facility, User
from benhan.portal.models import Account

from .models import Feedback

MAX_TEXT = 4000


class FeedbackError(Exception):
    """The message is for the person at the screen (Vietnamese)."""


def send(facility: Facility, category: str, rating: int, text: str, *, account: Account | None,
         patient_id: str = "", anonymous: bool = False) -> Feedback:
    """Anonymous feedback keeps nothing that points to the sender: no account, no patient, no address."""
    if category not in Feedback.Category.values:
        raise FeedbackError(_("Hãy chọn loại góp ý."))
    if not 1 <= rating <= 5:
        raise FeedbackError(_("Hãy chọn mức đánh giá từ 1 đến 5 sao."))
    text = text.strip()
    if not text:
        raise FeedbackError(_("Hãy nhập nội dung góp ý."))
    if len(text) > MAX_TEXT:
        raise FeedbackError(_("Nội dung dài quá %(n)s ký tự.") % {"n": MAX_TEXT})
    if anonymous:
        account, patient_id = None, ""
    return Feedback.objects.create(facility=facility.code, category=category, rating=rating, text=text,
                                   anonymous=anonymous, account=account, patient_id=patient_id)


def triage(feedback: Feedback, assigned_to: str) -> Feedback:
    Feedback.objects.filter(pk=feedback.pk, status=Feedback.Status.NEW).update(
        status=Feedback.Status.TRIAGED, assigned_to=assigned_to.strip()[:200])
    feedback.refresh_from_db()
    return feedback


def respond(feedback: Feedback, staff: User, response: str) -> Feedback:
    """The first response sets the response time; a later one replaces the text but not the time."""
    response = response.strip()
    if not response:
        raise FeedbackError(_("Hãy nhập nội dung phản hồi."))
    if feedback.status == Feedback.Status.CLOSED:
        raise FeedbackError(_("Góp ý đã đóng."))
    now = timezone.now()
    Feedback.objects.filter(pk=feedback.pk, responded_at__isnull=True).update(responded_at=now)
    Feedback.objects.filter(pk=feedback.pk).exclude(status=Feedback.Status.CLOSED).update(
        status=Feedback.Status.RESPONDED, response=response[:MAX_TEXT], responded_by=staff)
    feedback.refresh_from_db()
    return feedback


def close(feedback: Feedback) -> Feedback:
    Feedback.objects.filter(pk=feedback.pk).exclude(status=Feedback.Status.CLOSED).update(
        status=Feedback.Status.CLOSED, closed_at=timezone.now())
    feedback.refresh_from_db()
    return feedback


def sent_by(account: Account) -> list[Feedback]:
    """The account's own (named) feedback with the facility's response; anonymous ones cannot be found again."""
    return list(Feedback.objects.filter(account=account, anonymous=False).order_by("-created")[:100])
