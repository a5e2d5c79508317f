"""The server's VAPID key: made once outside the repository, private to the server's user, stable."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from benhan.notifications import vapid
from tests.notifications.standins import unb64u


def test_the_key_pair_is_generated_once_readable_only_by_the_server_and_kept(settings: Any, tmp_path: Path) -> None:
    settings.NOTIFICATIONS_VAPID_KEY_FILE = str(tmp_path / "keys" / "vapid.pem")
    first = vapid.public_key()
    path = Path(settings.NOTIFICATIONS_VAPID_KEY_FILE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and list(path.parent.iterdir()) == [path]
    raw = unb64u(first)
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point, as applicationServerKey wants
    vapid._load.cache_clear()
    assert vapid.public_key() == first
