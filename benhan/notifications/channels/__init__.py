"""Channel adapters: each sends one outbox row by its protocol, raising DeliveryError when it cannot."""

from __future__ import annotations

from .base import ChannelSender, DeliveryError


def sender_for(channel: str) -> ChannelSender:
    from . import email, sms, webpush, zns

    senders: dict[str, ChannelSender] = {"webpush": webpush.WebPushSender(), "sms": sms.SmsChannel(),
                                         "zns": zns.configured(), "email": email.EmailChannel()}
    if channel not in senders:
        raise DeliveryError(f"unknown channel {channel}", permanent=True)
    return senders[channel]


__all__ = ["ChannelSender", "DeliveryError", "sender_for"]
