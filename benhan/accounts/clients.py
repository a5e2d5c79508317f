"""System clients of the FHIR API: an OAuth2 application plus what benhan allows it.

django-oauth-toolkit knows the client id and secret; the ClientProfile says which scopes the client
may ask for and which facilities' records it reaches. A token never carries more than the profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from .scopes import normalise_scopes


class ClientProfile(models.Model):
    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="benhan_profile"
    )
    # Space-separated SMART scopes (v1 `system/*.read` or v2 `system/Patient.rs`).
    allowed_scopes = models.TextField()
    # Space-separated facility codes; ignored when all_facilities is set.
    facility_codes = models.TextField(blank=True)
    all_facilities = models.BooleanField(default=False)

    class Meta:
        db_table = "accounts_client_profile"

    def facilities(self) -> frozenset[str] | None:
        """Facility codes whose records the client reaches; None means every facility."""
        return None if self.all_facilities else frozenset(self.facility_codes.split())


@dataclass(frozen=True)
class NewClient:
    client_id: str
    client_secret: str
    profile: ClientProfile


def create_client(name: str, scopes: list[str] | str, facilities: list[str] | None) -> NewClient:
    """Register a confidential client-credentials client. `facilities=None` grants every facility.

    The secret is returned once: django-oauth-toolkit stores only its hash.
    """
    allowed = normalise_scopes(scopes)
    application_model = get_application_model()
    with transaction.atomic():
        application = application_model(
            name=name,
            client_type=application_model.CLIENT_CONFIDENTIAL,
            authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
        )
        secret = application.client_secret  # the generated default, before hashing on save
        application.save()
        profile = ClientProfile.objects.create(
            application=application,
            allowed_scopes=" ".join(allowed),
            facility_codes=" ".join(sorted(set(facilities or ()))),
            all_facilities=facilities is None,
        )
    return NewClient(application.client_id, secret, profile)


# Words an app acting for a patient may ask for besides `patient/...` resource scopes.
PATIENT_APP_WORDS = frozenset({"launch/patient", "openid", "fhirUser", "offline_access", "online_access"})


def _check_redirect_uri(uri: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment:
        raise ValueError(f"'{uri}' is not an absolute http(s) redirect URI without a fragment")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"'{uri}': plain http is allowed only for a loopback address")
    return uri


def create_patient_app(name: str, scopes: list[str] | str, redirect_uris: list[str], *, confidential: bool) -> NewClient:
    """Register an app that patients authorize (SMART standalone launch, authorization code + PKCE).

    A public app (a mini app or a phone app, which cannot keep a secret) gets no secret; a
    confidential one (a hospital's server-side app) gets one, returned once. Redirect URIs are
    compared exactly at the authorize and token steps.
    """
    allowed = normalise_scopes(scopes)
    for word in allowed:
        if word not in PATIENT_APP_WORDS and not word.startswith("patient/"):
            raise ValueError(f"'{word}': an app patients authorize may ask only for patient scopes")
    uris = [_check_redirect_uri(u) for text in redirect_uris for u in text.split()]
    if not uris:
        raise ValueError("an authorization-code client needs at least one redirect URI")
    application_model = get_application_model()
    with transaction.atomic():
        application = application_model(
            name=name,
            client_type=application_model.CLIENT_CONFIDENTIAL if confidential else application_model.CLIENT_PUBLIC,
            authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(uris),
            skip_authorization=False,
        )
        secret = application.client_secret if confidential else ""
        if not confidential:
            application.client_secret = ""
        application.save()
        profile = ClientProfile.objects.create(application=application, allowed_scopes=" ".join(allowed),
                                               facility_codes="", all_facilities=False)
    return NewClient(application.client_id, secret, profile)
