"""`benhan reindex`: rebuild the search index (and the Patient-compartment table) from stored resources.

Run it after the generated search-parameter table changes (scripts/gen_search_params.py), or to
repair an index. `--type Patient --type Observation` limits it to some types, `--tenant` to one
facility; `--search-only` leaves the compartment table alone.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Rebuild the FHIR search index (and Patient-compartment membership) from the stored resources."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", action="append", dest="types", help="only this resource type (repeatable)")
        parser.add_argument("--tenant", help="only this facility's resources")
        parser.add_argument("--search-only", action="store_true", help="do not rebuild compartment membership")

    def handle(self, *args: Any, **options: Any) -> None:
        from benhan.fhir.search.indexer import reindex

        start = time.perf_counter()
        count = reindex(resource_types=options["types"], tenant=options["tenant"])
        elapsed = time.perf_counter() - start
        self.stdout.write(f"search index: {count} resources in {elapsed:.1f} s ({count / max(elapsed, 1e-9):.0f}/s)")
        if not options["search_only"] and not options["types"]:
            from benhan.fhir.bulk.compartment_index import rebuild

            rows = rebuild(tenant=options["tenant"])
            self.stdout.write(f"compartment membership: {rows} rows")
