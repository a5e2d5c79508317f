"""Video consultation links from a configurable provider.

`JitsiProvider` speaks the Jitsi Meet JWT protocol (jitsi-meet-tokens / prosody `token` auth): the join URL
is `{base}/{room}?jwt={token}`, the token HS256-signed with the deployment's app secret, claims `iss` (app id),
`aud` ("jitsi"), `sub` (the meeting host), `room`, `nbf`/`exp`, `context.user.name` and `moderator`. Nothing is
called: the provider checks the token when the browser opens the URL. Without a secret (public meet.jit.si)
the URL is the unguessable room alone. Settings: QUESTIONS_VIDEO_URL, QUESTIONS_VIDEO_APP_ID,
QUESTIONS_VIDEO_SECRET (never in the repo)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import quote, urlsplit

from django.conf import settings
from joserfc import jwt
from joserfc.jwk import OctKey

EARLY = timedelta(minutes=15)  # the link opens this long before the start


class VideoProvider(Protocol):
    def join_url(self, room: str, *, display_name: str, moderator: bool, starts: datetime, ends: datetime) -> str: ...


class JitsiProvider:
    def __init__(self, base_url: str, app_id: str = "", secret: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.secret = secret

    def token(self, room: str, *, display_name: str, moderator: bool, starts: datetime, ends: datetime) -> str:
        claims = {
            "iss": self.app_id, "aud": "jitsi", "sub": urlsplit(self.base_url).hostname or "*", "room": room,
            "nbf": int((starts - EARLY).timestamp()), "exp": int(ends.timestamp()),
            "context": {"user": {"name": display_name}}, "moderator": moderator,
        }
        return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, OctKey.import_key(self.secret))

    def join_url(self, room: str, *, display_name: str, moderator: bool, starts: datetime, ends: datetime) -> str:
        url = f"{self.base_url}/{quote(room)}"
        if not self.secret:
            return url
        return f"{url}?jwt={self.token(room, display_name=display_name, moderator=moderator, starts=starts, ends=ends)}"


def configured_provider() -> VideoProvider:
    return JitsiProvider(str(getattr(settings, "QUESTIONS_VIDEO_URL", "https://meet.jit.si")),
                         str(getattr(settings, "QUESTIONS_VIDEO_APP_ID", "benhan")),
                         str(getattr(settings, "QUESTIONS_VIDEO_SECRET", "")))


def new_room() -> str:
    return f"benhan-{secrets.token_urlsafe(16)}"
