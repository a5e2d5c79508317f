"""The patient app's own state: accounts keyed by phone, which records each profile holds, family grants,
one-time codes and activation codes. Never clinical data: the records themselves stay in the FHIR store
and are read through a Repository built for the patient (see access.py)."""

from __future__ import annotations

from django.db import models


class Account(models.Model):
    """One phone number. Patients are not staff users: this is not an auth.User."""

    phone = models.CharField(max_length=16, unique=True)  # normalised 0xxxxxxxxx
    created = models.DateTimeField(auto_now_add=True)
    last_login = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.phone


class Profile(models.Model):
    """A person whose records an account holds: the account holder, or a child the holder manages."""

    class Relation(models.TextChoices):
        SELF = "self", "Bản thân"
        CHILD = "child", "Con (dưới 16 tuổi)"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="profiles")
    relation = models.CharField(max_length=8, choices=Relation.choices)
    display_name = models.CharField(max_length=255)
    birth_date = models.DateField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=models.Q(relation="self"), name="portal_one_self_profile"),
        ]


class LinkedRecord(models.Model):
    """One facility's Patient record joined to a profile (a person has one record per facility)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="records")
    patient_id = models.CharField(max_length=64)
    facility = models.CharField(max_length=32, blank=True)
    method = models.CharField(max_length=16)  # cccd, activation
    linked = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "patient_id"], name="portal_linked_record_uniq"),
        ]
        indexes = [models.Index(fields=["patient_id"], name="portal_linked_patient")]


class ProxyGrant(models.Model):
    """A profile's owner lets another phone see the profile's records (all, or results only) until a date."""

    class Scope(models.TextChoices):
        RECORDS = "records", "Toàn bộ hồ sơ"
        RESULTS = "results", "Chỉ kết quả xét nghiệm"

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="grants")
    grantee_phone = models.CharField(max_length=16, db_index=True)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    expires = models.DateTimeField()
    created = models.DateTimeField(auto_now_add=True)
    revoked = models.DateTimeField(null=True, blank=True)


class OtpChallenge(models.Model):
    """A one-time code sent by SMS: only its HMAC is stored. Rows also serve as the send log the
    rate limits count, so limits hold across processes without a cache server."""

    class Purpose(models.TextChoices):
        LOGIN = "login", "Đăng nhập"
        LINK = "link", "Liên kết hồ sơ"

    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    phone = models.CharField(max_length=16, db_index=True)
    ip = models.CharField(max_length=64, blank=True, db_index=True)
    code_hash = models.CharField(max_length=64)
    created = models.DateTimeField(db_index=True)
    expires = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used = models.DateTimeField(null=True, blank=True)
    # For a link: the account asking, the profile kind and the matched Patient records ([{id, facility}]).
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE)
    payload = models.JSONField(default=dict, blank=True)


class ActivationCode(models.Model):
    """Printed on the registration slip: links that one record, once, before it expires."""

    code_hash = models.CharField(max_length=64, unique=True)
    patient_id = models.CharField(max_length=64)
    facility = models.CharField(max_length=32)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    used = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL)


class LinkAttempt(models.Model):
    """Each CCCD + birth-date lookup, so guessing someone's birth date is limited per account and IP."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    ip = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(db_index=True)
    matched = models.BooleanField(default=False)
