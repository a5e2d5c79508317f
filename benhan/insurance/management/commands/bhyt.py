"""`benhan bhyt`: claims for the health-insurance portal.

    benhan bhyt generate --facility 79001 [--from dd/mm/yyyy --to dd/mm/yyyy]
    benhan bhyt export   --facility 79001 --month 11/2026 --signer USERNAME --out FILE.xml
    benhan bhyt submit   FILE.xml --facility 79001 --portal-url URL --username U   (password: BENHAN_BHXH_PASSWORD)
    benhan bhyt status   --facility 79001
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from benhan.accounts.models import Facility, User
from benhan.documents.signing.keys import SigningError
from benhan.fhir.access import Actor
from benhan.fhir.repository import Repository
from benhan.fhir.search import search
from benhan.insurance import claims
from benhan.insurance.claims import Batch, ClaimError
from benhan.insurance.models import Claim
from benhan.insurance.portal import BhxhPortalClient, PortalError


def _day(text: str) -> date:
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError as exc:
        raise CommandError(f"ngày không hợp lệ (dd/mm/yyyy): {text}") from exc


class Command(BaseCommand):
    help = "Hồ sơ thanh toán BHYT (XML QĐ 130/4750/3176): lập, ký, gửi, theo dõi"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["generate", "export", "submit", "status"])
        parser.add_argument("file", nargs="?")
        parser.add_argument("--facility", required=True)
        parser.add_argument("--from", dest="start")
        parser.add_argument("--to", dest="end")
        parser.add_argument("--month", help="mm/yyyy")
        parser.add_argument("--signer")
        parser.add_argument("--out")
        parser.add_argument("--portal-url")
        parser.add_argument("--username")

    def handle(self, *args: Any, **opts: Any) -> None:
        facility = Facility.objects.filter(code=opts["facility"]).first()
        if facility is None:
            raise CommandError(f"không có cơ sở {opts['facility']}")
        try:
            getattr(self, f"_{opts['action']}")(facility, opts)
        except (ClaimError, PortalError, SigningError) as exc:
            raise CommandError(str(exc)) from exc

    def _period(self, opts: dict[str, Any]) -> tuple[date, date]:
        if opts.get("month"):
            month, year = opts["month"].split("/")
            return claims.month_range(int(year), int(month))
        if opts.get("start") and opts.get("end"):
            return _day(opts["start"]), _day(opts["end"])
        raise CommandError("cần --month mm/yyyy hoặc --from và --to")

    def _generate(self, facility: Facility, opts: dict[str, Any]) -> None:
        repo = Repository(Actor.system("bhyt-generate"), facility.code)
        params = [("status", "finished"), ("_count", "1000")]
        if opts.get("start"):
            params.append(("date", f"ge{_day(opts['start']).isoformat()}"))
        if opts.get("end"):
            params.append(("date", f"le{_day(opts['end']).isoformat()}"))
        result = search(repo, "Encounter", params, base_url="")
        counts: dict[str, int] = {}
        context = claims.claim_context(facility.code, batch=True)
        for entry in result.matches:
            try:
                claim = claims.generate(repo, entry.id, context)
            except ClaimError as exc:
                self.stderr.write(f"{entry.id}: {exc}")
                continue
            counts[claim.status] = counts.get(claim.status, 0) + 1
        self.stdout.write(", ".join(f"{Claim.Status(k).label}: {v}" for k, v in sorted(counts.items())) or "không có lượt khám nào")

    def _export(self, facility: Facility, opts: dict[str, Any]) -> None:
        signer = User.objects.filter(username=opts.get("signer") or "").first()
        if signer is None or not opts.get("out"):
            raise CommandError("cần --signer (tài khoản có chứng thư số) và --out")
        start, end = self._period(opts)
        batch = claims.export_batch(facility, start, end, signer)
        Path(opts["out"]).write_bytes(batch.envelope)
        self.stdout.write(f"{len(batch.claims)} hồ sơ đã ký → {opts['out']}")

    def _submit(self, facility: Facility, opts: dict[str, Any]) -> None:
        if not (opts.get("file") and opts.get("portal_url") and opts.get("username")):
            raise CommandError("cần FILE, --portal-url và --username (mật khẩu trong BENHAN_BHXH_PASSWORD)")
        from benhan.insurance import envelope

        data = Path(opts["file"]).read_bytes()
        opened = envelope.open_envelope(data, verify=False)
        ma_lks = [d.tables["XML1"][0]["MA_LK"] for d in opened.dossiers if d.tables.get("XML1")]
        batch = Batch(data, list(Claim.objects.filter(facility=facility.code, ma_lk__in=ma_lks)))
        client = BhxhPortalClient(opts["portal_url"], opts["username"], os.environ.get("BENHAN_BHXH_PASSWORD", ""))
        claims.submit(batch, facility, client)
        sent = Claim.objects.filter(pk__in=[c.pk for c in batch.claims]).first()
        self.stdout.write(f"đã gửi {len(batch.claims)} hồ sơ; mã giao dịch {sent.transaction_id if sent else ''}")

    def _status(self, facility: Facility, opts: dict[str, Any]) -> None:
        for claim in Claim.objects.filter(facility=facility.code).order_by("-period_end")[:200]:
            self.stdout.write(f"{claim.ma_lk}\t{claim.get_status_display()}\t{claim.transaction_id}\t"
                              + "; ".join(claim.problems[:3]))
