"""`benhan worker`: run background jobs (bulk export, later exchange delivery and notifications)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from benhan.jobs.worker import Worker


class Command(BaseCommand):
    help = "Claim and run background jobs from the database queue until stopped (SIGTERM/SIGINT)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--burst", action="store_true", help="exit when no job is due")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--kind", action="append", dest="kinds", help="only these job kinds (repeatable)")
        parser.add_argument("--lease", type=float, default=None, help="lease seconds (default: per job kind)")
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def _stop(signum: int, frame: Any) -> None:
            # Finish the current job's step at its next heartbeat-free point: the loop exits after it.
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        worker = Worker(options["worker_id"], kinds=options["kinds"], poll_seconds=options["poll"],
                        lease_seconds=options["lease"])
        self.stdout.write(f"worker {worker.worker_id} started")
        done = worker.run(stop, burst=options["burst"])
        self.stdout.write(f"worker {worker.worker_id} stopped after {done} job(s)")
