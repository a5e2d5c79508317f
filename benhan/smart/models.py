"""What a patient let a third-party app do, and the codes and tokens that carry it.

Only hashes of codes and tokens are stored. Every token hangs off an Authorization: revoking that
row (the patient's button in /app/) ends every access and refresh token at once, because the FHIR
API resolves a token through its Authorization on every request.
"""

from __future__ import annotations

from django.db import models
from oauth2_provider.settings import oauth2_settings

from benhan.portal.models import Account, Profile


class Authorization(models.Model):
    """The patient's consent: this app may use these scopes on this profile's records until `expires`."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="app_authorizations")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="app_authorizations")
    application = models.ForeignKey(oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE,
                                    related_name="patient_authorizations")
    scope = models.TextField()
    patient_id = models.CharField(max_length=64)  # the `patient` of the launch context
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "smart_authorization"
        indexes = [models.Index(fields=["account", "revoked"], name="smart_auth_account")]


class AuthorizationCode(models.Model):
    """One code from the authorize step: single use, short-lived, bound to the redirect URI and PKCE."""

    code_hash = models.CharField(max_length=64, unique=True)
    authorization = models.ForeignKey(Authorization, on_delete=models.CASCADE, related_name="codes")
    redirect_uri = models.TextField()
    scope = models.TextField()
    code_challenge = models.CharField(max_length=128)
    nonce = models.CharField(max_length=255, blank=True)
    expires = models.DateTimeField()
    used = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "smart_authorization_code"


class Token(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", "access"
        REFRESH = "refresh", "refresh"

    checksum = models.CharField(max_length=64, unique=True)  # SHA-256 of the token
    kind = models.CharField(max_length=8, choices=Kind.choices)
    authorization = models.ForeignKey(Authorization, on_delete=models.CASCADE, related_name="tokens")
    code = models.ForeignKey(AuthorizationCode, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="tokens")
    scope = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "smart_token"


class ExternalIdentity(models.Model):
    """A person verified by an OpenID Connect provider (issuer + subject), tied to an app account."""

    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="external_identities")
    cccd = models.CharField(max_length=12, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_login = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "smart_external_identity"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="smart_identity_uniq")]
