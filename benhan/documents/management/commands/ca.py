"""`benhan ca ...`: the facility CA, staff certificates, PKCS#12 import, remote signing, trust anchors."""

from __future__ import annotations

import getpass
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from benhan.accounts.models import Facility, User
from benhan.documents.models import CertificateAuthority, SigningCredential, TrustAnchor
from benhan.documents.pki.authority import CaError, Validity, init_facility_ca, issue_user_certificate
from benhan.documents.pki.p12 import import_p12
from benhan.documents.pki.trust import add_trust_anchors
from benhan.documents.signing.credentials import enroll_remote
from benhan.documents.signing.keys import SigningError


class Command(BaseCommand):
    help = "Quản lý chứng thư số: CA của cơ sở, chứng thư cho nhân viên, nhập PKCS#12, ký số từ xa, CA tin cậy."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create the facility's root CA (every facility when none is named)")
        init.add_argument("--facility", default="", help="facility code (mã CSKCB)")
        issue = sub.add_parser("issue", help="issue a signing certificate to a staff member")
        issue.add_argument("--user", required=True)
        issue.add_argument("--days", type=int, default=0)
        p12 = sub.add_parser("import-p12", help="import a .p12/.pfx certificate from a licensed CA")
        p12.add_argument("--user", required=True)
        p12.add_argument("file")
        p12.add_argument("--password-env", default="BENHAN_P12_PASSWORD",
                         help="environment variable holding the file's password (prompted when unset)")
        remote = sub.add_parser("remote", help="register a certificate held by a remote-signing CA")
        remote.add_argument("--user", required=True)
        remote.add_argument("--url", required=True)
        remote.add_argument("--credential-id", required=True)
        trust = sub.add_parser("trust", help="trust the root certificates in a PEM file")
        trust.add_argument("file")
        trust.add_argument("--label", default="")
        revoke = sub.add_parser("revoke", help="revoke a staff member's active certificate")
        revoke.add_argument("--user", required=True)
        sub.add_parser("list", help="list CAs, trust anchors and active credentials")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, "do_" + opts["action"].replace("-", "_"))(opts)
        except (CaError, SigningError) as exc:
            raise CommandError(str(exc)) from exc

    def _user(self, username: str) -> User:
        try:
            return User.objects.select_related("facility").get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"không có người dùng {username}") from exc

    def do_init(self, opts: dict[str, Any]) -> None:
        code = opts["facility"] or settings.DEFAULT_FACILITY
        facilities = Facility.objects.filter(code=code) if code else Facility.objects.filter(active=True)
        if not facilities:
            raise CommandError(f"không có cơ sở {code}" if code else "chưa có cơ sở nào")
        for facility in facilities:
            ca = init_facility_ca(facility)
            self.stdout.write(f"CA {facility.code}: {ca.certificate_pem.splitlines()[1][:24]}… ({facility.name})")

    def do_issue(self, opts: dict[str, Any]) -> None:
        user = self._user(opts["user"])
        validity = Validity.starting_now(opts["days"]) if opts["days"] else None
        cred = issue_user_certificate(user, validity=validity)
        self.stdout.write(f"đã cấp: {cred.subject} (hết hạn {cred.not_after:%d/%m/%Y})")

    def do_import_p12(self, opts: dict[str, Any]) -> None:
        user = self._user(opts["user"])
        password = os.environ.get(opts["password_env"])
        if password is None and sys.stdin.isatty():
            password = getpass.getpass("Mật khẩu tệp PKCS#12: ")
        cred = import_p12(user, Path(opts["file"]).read_bytes(), password.encode() if password else None)
        self.stdout.write(f"đã nhập: {cred.subject} (hết hạn {cred.not_after:%d/%m/%Y})")

    def do_remote(self, opts: dict[str, Any]) -> None:
        cred = enroll_remote(self._user(opts["user"]), opts["url"], opts["credential_id"])
        self.stdout.write(f"đã đăng ký ký số từ xa: {cred.subject}")

    def do_trust(self, opts: dict[str, Any]) -> None:
        anchors = add_trust_anchors(Path(opts["file"]).read_text(), opts["label"])
        for a in anchors:
            self.stdout.write(f"tin cậy: {a.label}")

    def do_revoke(self, opts: dict[str, Any]) -> None:
        count = SigningCredential.objects.filter(user=self._user(opts["user"]), active=True).update(
            active=False, revoked_at=datetime.now(UTC))
        self.stdout.write(f"đã thu hồi {count} chứng thư số")

    def do_list(self, opts: dict[str, Any]) -> None:
        for ca in CertificateAuthority.objects.order_by("facility_code"):
            self.stdout.write(f"CA      {ca.facility_code} {ca.name}")
        for anchor in TrustAnchor.objects.order_by("label"):
            self.stdout.write(f"TRUST   {anchor.label} [{anchor.source}]")
        for cred in SigningCredential.objects.filter(active=True).select_related("user"):
            self.stdout.write(f"CERT    {cred.user.username}: {cred.subject} [{cred.kind}] đến {cred.not_after:%d/%m/%Y}")
