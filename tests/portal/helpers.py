from __future__ import annotations

from django.test import Client

from benhan.portal.access import Opened, open_profile
from benhan.portal.linking import join
from benhan.portal.models import Account, Profile

from .sms_standin import Gateway


def log_in(client: Client, sms: Gateway, phone: str) -> None:
    """The real flow: ask for a code, read it from the SMS stand-in, type it."""
    assert client.post("/app/dang-nhap/", {"phone": phone}).status_code == 302
    response = client.post("/app/dang-nhap/ma/", {"code": sms.last_code(phone)})
    assert response.status_code == 302 and response["Location"] == "/app/", response.content[:500]


def linked_account(phone: str, *patient_ids: str, relation: str = "self", name: str = "Nguyễn Văn Bình",
                   birth: str = "1968-03-12") -> tuple[Account, Opened]:
    """An account whose profile already holds these records (linking itself is tested in test_linking)."""
    from datetime import date

    account, _created = Account.objects.get_or_create(phone=phone)
    profile = join(account, relation, name, date.fromisoformat(birth), [(p, "") for p in patient_ids], "activation")
    opened = open_profile(account, profile.pk)
    assert opened is not None
    return account, opened


__all__ = ["Profile", "linked_account", "log_in"]
