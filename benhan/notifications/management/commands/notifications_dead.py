"""`benhan notifications_dead`: the dead-lettered notices (what failed and why), and resending them
once the cause is fixed (`--retry ID ...` or `--retry-all`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from benhan.notifications.delivery import retry_dead
from benhan.notifications.models import Notification


class Command(BaseCommand):
    help = "List dead-lettered notifications; resend some or all of them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--retry", nargs="+", type=int, default=[], metavar="ID")
        parser.add_argument("--retry-all", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        dead = Notification.objects.filter(status=Notification.Status.DEAD).order_by("created")
        if options["retry_all"] or options["retry"]:
            ids = list(dead.values_list("id", flat=True)) if options["retry_all"] else options["retry"]
            self.stdout.write(f"queued again: {retry_dead(ids)}")
            return
        for n in dead:
            # The address is left out: an operator needs the channel and the error, not the phone.
            self.stdout.write(f"{n.pk}\t{n.created:%d/%m/%Y %H:%M}\t{n.channel}\t{n.kind}\t{n.attempts}\t{n.last_error[:200]}")
