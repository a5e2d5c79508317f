"""A short per-process memory of bearer tokens already resolved to an Actor.

Resolving a token is a database round trip (plus the user's facilities for a staff token) on every
API call; a read by id is otherwise two statements. An entry is used only while:

- the token's own expiry has not passed (checked on every use, so expiry is exact), and
- it is younger than `FHIR_TOKEN_CACHE_SECONDS` (default 2 s; 0 turns the cache off).

Revocation: anything that can withdraw a token's rights (the token, its application, the client's
profile, a user or their facilities saved or deleted through the ORM, which is how the revoke
endpoint, the admin and `benhan client` do it) empties this process's memory at once, so the next
call in this process sees the change. Another worker process notices within the age limit. The
memory is keyed by the token's SHA-256 (the database's own key), never by the token text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from ..access import Actor

_MAX_ENTRIES = 4096


@dataclass(frozen=True)
class _Entry:
    actor: Actor
    expires: datetime
    stored_at: float  # time.monotonic()


_entries: dict[str, _Entry] = {}


def _max_age() -> float:
    return float(getattr(settings, "FHIR_TOKEN_CACHE_SECONDS", 2.0))


def get(checksum: str) -> Actor | None:
    entry = _entries.get(checksum)
    if entry is None:
        return None
    if time.monotonic() - entry.stored_at >= _max_age() or entry.expires <= timezone.now():
        _entries.pop(checksum, None)
        return None
    return entry.actor


def put(checksum: str, actor: Actor, expires: datetime) -> None:
    if _max_age() <= 0:
        return
    if len(_entries) >= _MAX_ENTRIES:
        _entries.clear()  # crude but bounded; a full cache only costs one lookup per token again
    _entries[checksum] = _Entry(actor, expires, time.monotonic())


def forget_all(*_args: Any, **_kwargs: Any) -> None:
    """Signal receiver: something that grants or withdraws token rights changed."""
    _entries.clear()


def connect_signals() -> None:
    """Empty the memory whenever a token, client or user that tokens depend on is saved or deleted."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

    from benhan.accounts.clients import ClientProfile
    from benhan.accounts.models import Facility

    user_model = get_user_model()
    for model in (get_access_token_model(), get_refresh_token_model(), get_application_model(), ClientProfile,
                  user_model, Facility):
        post_save.connect(forget_all, sender=model, dispatch_uid=f"token-cache-save-{model._meta.label}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"token-cache-delete-{model._meta.label}")
    m2m_changed.connect(forget_all, sender=user_model.extra_facilities.through,
                        dispatch_uid="token-cache-m2m")
