from __future__ import annotations


class BookingError(Exception):
    """A booking step that cannot be done; the message is for the person at the screen (Vietnamese)."""


class SlotFull(BookingError):
    pass
