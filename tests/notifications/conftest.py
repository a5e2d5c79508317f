from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benhan.notifications.vapid import public_key
from tests.exchange.test_referral import province  # noqa: F401 (shared fixture)
from tests.portal.conftest import World, sms, world  # noqa: F401 (shared fixtures)
from tests.portal.sms_standin import Gateway

from .standins import ZNS_TOKEN, Mailbox, PushService, Zns, push_service, smtp_server, zns_service


@pytest.fixture(autouse=True)
def vapid_key(settings: Any, tmp_path: Path) -> None:
    settings.NOTIFICATIONS_VAPID_KEY_FILE = str(tmp_path / "vapid.pem")
    settings.NOTIFICATIONS_VAPID_SUBJECT = "mailto:vanhanh@benhan.example"


@pytest.fixture
def push(vapid_key: None) -> Iterator[PushService]:
    with push_service(public_key()) as service:
        yield service


@pytest.fixture
def zns(settings: Any) -> Iterator[Zns]:
    with zns_service() as service:
        settings.NOTIFICATIONS_ZNS_URL = service.url
        settings.NOTIFICATIONS_ZNS_ACCESS_TOKEN = ZNS_TOKEN
        settings.NOTIFICATIONS_ZNS_TEMPLATE_ID = "301234"
        yield service


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    with smtp_server() as box:
        settings.NOTIFICATIONS_EMAIL_HOST = "127.0.0.1"
        settings.NOTIFICATIONS_EMAIL_PORT = str(box.port)
        settings.NOTIFICATIONS_EMAIL_FROM = "thongbao@benhan.example"
        yield box


__all__ = ["Gateway", "World", "province", "sms", "world"]
