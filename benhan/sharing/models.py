"""Share links (in the manner of SMART Health Links): a chosen part of one person's record, opened
without an account by whoever holds the link (and the passcode, when one is set), until it expires
or the patient revokes it. Only the token's hash is stored; every use is logged."""

from __future__ import annotations

from django.db import models

from benhan.portal.models import Account, Profile


class ShareLink(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="share_links")
    created_by = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of a 256-bit random token
    label = models.CharField(max_length=120, blank=True)
    # What the viewer is shown (["DiagnosticReport/1", "DocumentReference/7"]), and every resource the
    # viewer's repository may read: those plus the reports' Observations and the person's Patient rows.
    items = models.JSONField(default=list)
    readable = models.JSONField(default=list)
    passcode_hash = models.CharField(max_length=200, blank=True)
    failed_passcodes = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    revoked = models.DateTimeField(null=True, blank=True)


class ShareUse(models.Model):
    """One use of a link, shown to the patient: opened, read a result, downloaded a paper, or refused."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=16)  # open, result, download, passcode, refused
    target = models.CharField(max_length=100, blank=True)
    ok = models.BooleanField(default=True)
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]  # newest first, as the patient reads them
        indexes = [models.Index(fields=["link", "-at"], name="sharing_use_link_at")]
