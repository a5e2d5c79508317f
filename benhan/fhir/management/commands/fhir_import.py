"""`benhan import PATH...`: load FHIR Bundles and NDJSON files (or folders of them), resumably."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from benhan.fhir.access import Actor
from benhan.fhir.importer import Importer, find_files
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

        report = Importer(repository, chunk_lines=options["chunk_lines"], on_progress=progress).run(files)
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
        if report.failed_chunks or report.invalid:
            raise CommandError("some resources were not imported (see above)")
