"""`benhan serve`: the production server (granian, WSGI, worker processes) plus the job worker.

Before binding the port it refuses a database that is unreachable or not fully migrated (serving an
old schema corrupts data quietly), collects static files for whitenoise, and closes its own database
connections so the forked worker processes each open their own.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from benhan.core import health

log = logging.getLogger("benhan.serve")


def _server_class() -> Any:
    """granian's server, which also runs the job worker thread in the main (supervisor) process."""
    from granian import Granian

    class BenhanServer(Granian):  # type: ignore[misc, valid-type]
        jobs: bool = True
        _worker: Any = None

        def startup(self, spawn_target: Any, target_loader: Any) -> None:
            super().startup(spawn_target, target_loader)
            # Only after the HTTP workers are forked: a forked child must not inherit this thread's
            # database connection or any lock it holds.
            if self.jobs:
                self._worker = start_job_worker()

        def shutdown(self, exit_code: int = 0) -> None:
            if self._worker is not None:
                self._worker.stop()
            super().shutdown(exit_code)

    return BenhanServer


def start_job_worker() -> Any:
    """The jobs app's in-process worker (benhan.jobs.worker.start_worker_thread), if installed."""
    try:
        from benhan.jobs.worker import start_worker_thread
    except ImportError:
        log.warning("benhan.jobs.worker.start_worker_thread not found: no job worker in this process")
        return None
    return start_worker_thread()


class Command(BaseCommand):
    help = "Serve benhan over HTTP with worker processes (granian, WSGI) and run the job worker in-process."
    requires_system_checks: list[str] = []  # checked below, with messages about what to do

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="HTTP worker processes (default 2)")
        parser.add_argument("--threads", type=int, default=4,
                            help="request threads per worker: Django is synchronous, threads overlap database waits")
        parser.add_argument("--no-jobs", action="store_true", help="do not run the job worker in this process")
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument("--access-log", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("check", fail_level="ERROR", stdout=io.StringIO())  # raises on errors, quiet otherwise
        self.refuse_unready_database()
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()

        from granian.constants import Interfaces

        server = _server_class()(
            "benhan.wsgi:application",
            address=options["host"],
            port=options["port"],
            interface=Interfaces.WSGI,
            workers=options["workers"],
            blocking_threads=options["threads"],
            log_access=options["access_log"],
            respawn_failed_workers=True,
            working_dir=settings.BASE_DIR,
        )
        server.jobs = not options["no_jobs"]
        self.stdout.write(f"benhan serving on http://{options['host']}:{options['port']} "
                          f"({options['workers']} workers × {options['threads']} threads"
                          f"{', job worker in-process' if server.jobs else ''})")
        self.stdout.flush()
        server.serve()

    def refuse_unready_database(self) -> None:
        try:
            pending = health.unapplied_migrations()
        except DatabaseError as exc:
            raise CommandError(f"cannot reach the database: {' '.join(str(exc).split())}") from exc
        if pending:
            raise CommandError(
                f"the database has {len(pending)} unapplied migration(s) ({', '.join(pending[:5])}"
                f"{' …' if len(pending) > 5 else ''}). Run `benhan migrate` first; serving an old schema "
                "would fail or corrupt data."
            )
