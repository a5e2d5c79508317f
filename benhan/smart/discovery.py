"""What a SMART client discovers: /fhir/.well-known/smart-configuration and the CapabilityStatement's
oauth-uris (SMART App Launch 2.x, §Conformance)."""

from __future__ import annotations

from typing import Any

AUTHORIZE_PATH = "/app/uy-quyen/"  # under /app/ so the patient's own session cookie reaches it


def endpoints(server: str) -> dict[str, str]:
    return {
        "authorization_endpoint": server + AUTHORIZE_PATH,
        "token_endpoint": f"{server}/oauth2/token",
        "revocation_endpoint": f"{server}/oauth2/revoke",
        "introspection_endpoint": f"{server}/oauth2/introspect",
        "management_endpoint": f"{server}/app/ung-dung/",
        "jwks_uri": f"{server}/oauth2/jwks",
    }


def smart_configuration(server: str) -> dict[str, Any]:
    from benhan.accounts.scopes import SMART_SCOPES

    return {
        "issuer": server,
        **endpoints(server),
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "response_types_supported": ["code"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": sorted(SMART_SCOPES),
        "capabilities": [
            "launch-standalone", "client-public", "client-confidential-symmetric", "context-standalone-patient",
            "permission-patient", "permission-offline", "permission-v1", "permission-v2", "sso-openid-connect",
        ],
    }


def oauth_uris_extension(server: str) -> dict[str, Any]:
    urls = endpoints(server)
    return {
        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
        "extension": [
            {"url": "token", "valueUri": urls["token_endpoint"]},
            {"url": "authorize", "valueUri": urls["authorization_endpoint"]},
            {"url": "revoke", "valueUri": urls["revocation_endpoint"]},
            {"url": "manage", "valueUri": urls["management_endpoint"]},
        ],
    }
