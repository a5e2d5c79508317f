"""`benhan exchange`: the directory, delivery and the queues of the exchange between facilities.

    benhan exchange host CODE [--name N]          this server hosts facility CODE (key made, directory entry)
    benhan exchange public-key CODE               print CODE's public JWK (to register it at the hub)
    benhan exchange register CODE URL JWK_FILE    (hub) add a node's endpoint and public key to the directory
    benhan exchange sync HUB_URL                  (node) copy the hub's directory
    benhan exchange deliver [--loop]              send due messages (once, or every second until stopped)
    benhan exchange queues                        pending, delivered and dead-lettered counts per destination
    benhan exchange retry MESSAGE_ID...           send dead-lettered messages again
"""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from benhan.exchange import directory, outbox
from benhan.exchange.keys import public_jwk
from benhan.exchange.models import OutboxMessage


class Command(BaseCommand):
    help = "Trao đổi dữ liệu giữa các cơ sở: danh bạ, gửi tin, hàng đợi"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["host", "public-key", "register", "sync", "deliver", "queues", "retry"])
        parser.add_argument("values", nargs="*", metavar="ARG")  # not "args": Django pops that key
        parser.add_argument("--name", default="")
        parser.add_argument("--hub", action="store_true")
        parser.add_argument("--loop", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        action, rest = opts["action"], opts["values"]
        if action == "host" and len(rest) == 1:
            directory.register_hosted(rest[0], opts["name"])
            self.stdout.write(f"{rest[0]}: hosted here")
        elif action == "public-key" and len(rest) == 1:
            self.stdout.write(json.dumps(public_jwk(rest[0])))
        elif action == "register" and len(rest) == 3:
            node = directory.register(rest[0], json.loads(Path(rest[2]).read_text()), name=opts["name"],
                                      base_url=rest[1], is_hub=opts["hub"])
            self.stdout.write(f"{node.code} → {node.base_url}")
        elif action == "sync" and len(rest) == 1:
            self.stdout.write(f"{directory.sync_from_hub(rest[0])} directory entries")
        elif action == "deliver":
            while True:
                report = outbox.deliver_due()
                if report.delivered or report.retried or report.dead:
                    self.stdout.write(f"delivered {report.delivered}, retrying {report.retried}, dead {report.dead}")
                if not opts["loop"]:
                    break
                time.sleep(1.0)
        elif action == "queues":
            rows = OutboxMessage.objects.values("destination", "status").annotate(n=Count("id")).order_by("destination")
            for row in rows:
                self.stdout.write(f"{row['destination']}\t{row['status']}\t{row['n']}")
        elif action == "retry" and rest:
            self.stdout.write(f"{outbox.retry_dead(rest)} messages queued again")
        else:
            raise CommandError(f"wrong arguments for {action}; see `benhan exchange --help`")
