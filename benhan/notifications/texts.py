"""The words of a notice. Content-free by construction: the text is chosen by the event's kind alone,
so no name, test, value, diagnosis or facility can reach a phone's lock screen, an SMS log or Zalo's
servers (VN-STANDARDS §7–8). The patient reads the substance after logging in, behind the link."""

from __future__ import annotations

from django.conf import settings

TITLE = "Sổ sức khoẻ"
TEXTS = {
    "result_ready": "Bạn có kết quả mới trong Sổ sức khoẻ.",
    "appointment_reminder": "Bạn có lịch hẹn sắp tới trong Sổ sức khoẻ.",
    "question_answered": "Câu hỏi của bạn đã có trả lời trong Sổ sức khoẻ.",
    "referral_arrived": "Hồ sơ của bạn có giấy tờ chuyển tuyến mới trong Sổ sức khoẻ.",
}
FALLBACK = "Bạn có thông báo mới trong Sổ sức khoẻ."


def base_url() -> str:
    explicit = str(getattr(settings, "NOTIFICATIONS_BASE_URL", ""))
    return (explicit or str(settings.FHIR_BASE_URL).removesuffix("/fhir")).rstrip("/")


def absolute(link: str) -> str:
    return base_url() + "/" + link.lstrip("/")


def notice(kind: str) -> str:
    return TEXTS.get(kind, FALLBACK)


def with_link(text: str, link: str) -> str:
    """SMS and e-mail carry the link in the text; web push and ZNS carry it beside the text."""
    return f"{text} Xem tại: {absolute(link)}"
