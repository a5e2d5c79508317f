from __future__ import annotations

from tests.portal.conftest import World, sms, world  # noqa: F401 (shared fixtures)

__all__ = ["World", "sms", "world"]
