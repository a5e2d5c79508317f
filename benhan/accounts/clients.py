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
