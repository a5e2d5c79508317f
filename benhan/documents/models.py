"""Signature bookkeeping: certificate authorities, trust anchors, signing credentials, signed documents.

The legal record itself (PDF, DocumentReference, Provenance) lives in the FHIR store. These rows are
the app-side index: which key signs for whom, which roots we trust, and where each signed document's
FHIR resources are, so a download or a verification is one lookup.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateAuthority(models.Model):
    """A facility's own root CA (one per facility: each facility is the legal entity answering for its staff)."""

    facility_code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=255)
    certificate_pem = models.TextField()
    key_path = models.CharField(max_length=255)  # relative to pki_dir(); the key file is encrypted
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("CA của cơ sở")

    def __str__(self) -> str:
        return f"CA {self.facility_code} {self.name}"


class TrustAnchor(models.Model):
    """A root certificate whose chains we accept: facility CAs, and roots of lawful CAs imported by the operator."""

    class Source(models.TextChoices):
        FACILITY_CA = "facility_ca", _("CA của cơ sở")
        IMPORTED = "imported", _("Nhập từ tệp")

    label = models.CharField(max_length=255)
    certificate_pem = models.TextField()
    fingerprint_sha256 = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.label


class SigningCredential(models.Model):
    """A certificate a user signs with, and where its private key is (a local file, or a remote-signing provider)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Cấp bởi CA của cơ sở")
        PKCS12 = "pkcs12", _("Nhập từ PKCS#12")
        REMOTE = "remote", _("Ký số từ xa")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signing_credentials")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    certificate_pem = models.TextField()
    chain_pem = models.TextField(blank=True)  # issuers above the certificate, leaf-most first
    key_path = models.CharField(max_length=255, blank=True)  # empty for remote credentials
    remote_url = models.CharField(max_length=255, blank=True)
    remote_credential_id = models.CharField(max_length=128, blank=True)
    subject = models.CharField(max_length=500)
    serial_hex = models.CharField(max_length=64)
    fingerprint_sha256 = models.CharField(max_length=64, db_index=True)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    active = models.BooleanField(default=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.kind})"


class SignedDocument(models.Model):
    """One signed paper: the index of its FHIR DocumentReference, Binary (the PDF) and Provenance.

    Its id is the DocumentReference id, so /documents/<id>.pdf names the FHIR document too.
    """

    class Status(models.TextChoices):
        CURRENT = "current", _("Hiện hành")
        SUPERSEDED = "superseded", _("Đã được thay thế")

    id = models.CharField(primary_key=True, max_length=64)
    kind = models.CharField(max_length=32)
    facility_code = models.CharField(max_length=16, db_index=True)
    patient_ref = models.CharField(max_length=80, blank=True, db_index=True)
    binary_id = models.CharField(max_length=64)
    provenance_id = models.CharField(max_length=64)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signed_documents")
    credential = models.ForeignKey(SigningCredential, on_delete=models.PROTECT, related_name="documents")
    signed_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CURRENT)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    correction_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class PendingSignature(models.Model):
    """A paper waiting for its signer's remote CA (the signer approves on their phone).

    Created in the clinical step's transaction with the subjects pinned at their versions and the
    form's context; a `documents.sign` job obtains the signatures outside any transaction and files
    the document whole, in the same transaction that marks this row signed. Nothing of the document
    is stored before that.
    """

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Đang chờ ký số")
        SIGNED = "signed", _("Đã ký")
        REJECTED = "rejected", _("Người ký từ chối")
        FAILED = "failed", _("Ký không thành công")

    id = models.CharField(primary_key=True, max_length=64)
    kind = models.CharField(max_length=32)
    facility_code = models.CharField(max_length=16)
    patient_ref = models.CharField(max_length=80, blank=True)
    encounter_id = models.CharField(max_length=64, blank=True)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pending_signatures")
    subject_refs = models.JSONField()  # "Type/id/_history/n", pinned when the signature was requested
    subject_key = models.CharField(max_length=64)  # SHA-256 of the sorted "Type/id" list: one request per paper
    context = models.JSONField(encoder=DjangoJSONEncoder)
    replaces = models.ForeignKey(SignedDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AWAITING)
    document = models.OneToOneField(SignedDocument, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="requested_as")
    job_id = models.BigIntegerField(null=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["encounter_id", "status"], name="documents_pending_encounter"),
            models.Index(fields=["facility_code", "status"], name="documents_pending_facility"),
            models.Index(fields=["subject_key", "status"], name="documents_pending_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} {self.status}"
