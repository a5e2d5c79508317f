from __future__ import annotations

from typing import Protocol


class SmsError(Exception):
    """The gateway refused or could not be reached; the caller tells the patient to try again."""


class SmsSender(Protocol):
    def send(self, phone: str, message: str) -> None:
        """Deliver one text message to a Vietnamese phone number (0xxxxxxxxx); raise SmsError on failure."""
