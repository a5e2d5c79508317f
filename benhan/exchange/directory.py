"""The directory of facilities' exchange endpoints and keys: kept at the hub, copied by the nodes."""

from __future__ import annotations

from typing import Any

import httpx
from django.db import transaction

from .keys import public_jwk
from .models import Node


def register(code: str, public_key: dict[str, Any], *, name: str = "", base_url: str = "", is_hub: bool = False) -> Node:
    if public_key.get("kty") != "EC" or "d" in public_key:
        raise ValueError("a directory entry holds an EC public key, never a private one")
    node, _created = Node.objects.update_or_create(
        code=code, defaults={"public_jwk": public_key, "name": name, "base_url": base_url, "is_hub": is_hub,
                             "active": True})
    return node


def register_hosted(code: str, name: str = "") -> Node:
    """A facility hosted on this server: messages to it are applied here, signed with its own key."""
    return register(code, public_jwk(code), name=name)


def sync_from_hub(hub_url: str, *, client: httpx.Client | None = None) -> int:
    """Copy the hub's directory; entries for facilities this server hosts keep their local (empty) URL."""
    own = client or httpx.Client(timeout=20.0)
    try:
        response = own.get(hub_url.rstrip("/") + "/exchange/directory")
        response.raise_for_status()
        entries = response.json()["nodes"]
    finally:
        if client is None:
            own.close()
    local = set(Node.objects.filter(base_url="").values_list("code", flat=True))
    with transaction.atomic():
        for entry in entries:
            if entry["code"] in local:
                continue
            # An entry the hub hosts itself has no URL of its own there: here, it is reached at the hub.
            register(entry["code"], entry["public_jwk"], name=entry.get("name", ""),
                     base_url=entry.get("base_url") or hub_url.rstrip("/"), is_hub=bool(entry.get("is_hub")))
    return len(entries)
