"""Sending SMS: an interface, the HTTP brandname-gateway implementation, and the configured sender."""

from __future__ import annotations

from .base import SmsError, SmsSender
from .gateway import HttpSmsGateway, LogSender, configured_sender

__all__ = ["HttpSmsGateway", "LogSender", "SmsError", "SmsSender", "configured_sender"]
