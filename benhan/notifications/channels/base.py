from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..models import Notification


class DeliveryError(Exception):
    """Not delivered. `permanent`: sending again cannot help (the row is dead-lettered at once)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class ChannelSender(Protocol):
    def send(self, notification: Notification) -> None: ...
