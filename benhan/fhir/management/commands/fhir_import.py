"""`benhan import PATH...`: load FHIR Bundles and NDJSON files (or folders of them), resumably."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from tqdm import tqdm

from benhan.fhir.access import Actor
from benhan.fhir.importer import Importer, Report, find_files, relax_commit_durability, run_parallel, warm_up
from benhan.fhir.repository import Repository


class Command(BaseCommand):
    help = (
        "Import FHIR transaction/batch/collection Bundles (.json) and NDJSON (.ndjson) files or folders. "
        "Re-running after an interruption continues where the last committed chunk ended."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="files or folders")
        parser.add_argument("--facility", default=settings.DEFAULT_FACILITY,
                            help="code of the facility that owns the imported records")
        parser.add_argument("--chunk-lines", type=int, default=1000, help="NDJSON lines committed together")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument("--jobs", type=int, default=0,
                            help="import processes (default: one per core, at most 4, on PostgreSQL; 1 on SQLite, "
                                 "which has one writer at a time)")
        parser.add_argument("--timings", action="store_true",
                            help="print where the time went: parsing, validation, storage and each write listener")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            files = find_files(options["paths"])
        except FileNotFoundError as exc:
            raise CommandError(f"no such file or folder: {exc}") from exc
        if not files:
            raise CommandError("no .json or .ndjson files found")
        repository = Repository(Actor.system("import"), options["facility"])
        total = sum(p.stat().st_size for p in files)
        bar = tqdm(total=total, unit="B", unit_scale=True, disable=options["no_progress"], desc="import")
        counted = [0]

        def progress(nbytes: int, nresources: int) -> None:
            counted[0] += nresources
            bar.update(nbytes)
            bar.set_postfix(resources=counted[0], refresh=False)

        jobs = options["jobs"] or (min(4, os.cpu_count() or 1) if connection.vendor == "postgresql" else 1)
        jobs = min(jobs, len(files))
        warm = warm_up()  # before the fork, so the processes share it
        if jobs > 1:
            report = run_parallel(files, jobs, options["facility"], chunk_lines=options["chunk_lines"],
                                  on_progress=progress)
        else:
            relax_commit_durability()
            report = Importer(repository, chunk_lines=options["chunk_lines"], on_progress=progress).run(files)
        report.warm_up_seconds = warm
        bar.close()
        for problem in report.problems[:50]:
            self.stderr.write(problem)
        self.stdout.write(
            f"Imported {report.resources} resources from {report.files} files in {report.seconds:.1f} s "
            f"({report.rate:.0f} resources/s)"
            + (f"; {report.skipped_resources} already imported ({report.skipped_chunks} chunks) skipped"
               if report.skipped_chunks else "")
            + (f"; {report.invalid} invalid" if report.invalid else "")
            + (f"; {report.failed_chunks} chunks failed" if report.failed_chunks else "")
        )
        if options["timings"]:
            self.print_timings(report)
        if report.failed_chunks or report.invalid:
            raise CommandError("some resources were not imported (see above)")

    def print_timings(self, report: Report) -> None:
        from benhan.fhir.store import listener_seconds

        self.stdout.write(f"timings (s): wall {report.seconds:.2f}, CPU of the import processes {report.cpu_seconds:.2f}"
                          f", of their database backends {report.db_cpu_seconds:.2f}"
                          f"; warm-up before them {report.warm_up_seconds:.2f} (not in the wall)")
        for phase, seconds in report.phases.items():
            self.stdout.write(f"  {phase:<58} {seconds:8.2f}")
        for name, seconds in sorted(listener_seconds.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"    listener {name:<49} {seconds:8.2f}")
