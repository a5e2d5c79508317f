"""The OAuth2 request validator: django-oauth-toolkit's, with SMART scope narrowing."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from .scopes import SMART_SCOPES, scopes_allowed


class SmartOAuth2Validator(OAuth2Validator):
    def validate_scopes(self, client_id: str, scopes: list[str], client: Any, request: Any, *args: Any, **kwargs: Any) -> bool:
        """A client may ask for any scope its profile covers: `system/Patient.rs` under `system/*.read`.

        A client with no profile (an interactive app registered in the admin) keeps the toolkit's rule:
        only the listed scopes.
        """
        profile = getattr(client, "benhan_profile", None)
        if profile is None:
            return set(scopes) <= set(SMART_SCOPES)
        return scopes_allowed(profile.allowed_scopes.split(), list(scopes))
