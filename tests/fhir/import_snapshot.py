"""Everything the import derives from a resource, as one comparable text: before/after proof that a
speed change of the write path changed no output.

    python -m tests.fhir.import_snapshot OUT.txt        # write the snapshot of the current code
    python -m tests.fhir.import_snapshot --compare A B  # report every resource whose output differs
    python -m tests.fhir.import_snapshot --compare-shared A B  # the same, leaving out of both the
        # composite component rows decision 27 stopped writing (A from before it, B from after)

For every Synthea resource (bundles taken apart as `benhan import` does, urn references rewritten,
with deterministic ids) and every official R4 example in build/fhir-r4: the validation issues (in
order), and the rows each write listener hands to the bulk insert (search index, compartment,
chart, patient keys; as sorted multisets, since row order within a COPY is not part of the output).
Needs a migrated database (the chart listener may look up chart entries); run it with
BENHAN_DATABASE_URL pointing at a scratch database.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "build" / "fhir-r4" / "package"
MOMENT = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def synthea_resources() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(label, id, resource) of every Synthea entry, ids counted so two runs agree."""
    from unittest import mock

    from benhan.fhir import importer
    from tests.shared_data import SYNTHEA

    for path in sorted(SYNTHEA.glob("*.json")):
        counter = iter(range(10**9))
        with mock.patch.object(importer, "new_id", lambda counter=counter: f"id-{next(counter):06d}"):
            chunk = importer.bundle_chunk(path.read_bytes())
        for i, (resource, rid) in enumerate(zip(chunk.resources, chunk.ids, strict=True)):
            yield f"{path.name}#{i}", rid or f"none-{i}", resource


def example_resources() -> Iterator[tuple[str, str, dict[str, Any]]]:
    import orjson

    for path in sorted(PACKAGE.glob("*.json")):
        if path.name in ("package.json", ".index.json"):
            continue
        resource = orjson.loads(path.read_bytes())
        if isinstance(resource, dict) and isinstance(resource.get("resourceType"), str):
            rid = resource.get("id")
            yield path.name, rid if isinstance(rid, str) else "x", resource


def outputs(label: str, rid: str, resource: dict[str, Any]) -> list[str]:
    """Lines describing what the import makes of one resource."""
    from unittest import mock

    from benhan.fhir import store
    from benhan.fhir.repository import validate

    lines = [f"== {label}"]
    lines += [f"issue {issue!r}" for issue in validate(resource)]
    content = store._stamp(resource, rid, 1, MOMENT)
    stored = store.Stored(resource["resourceType"], rid, 1, MOMENT, False, "00001", content, "POST")
    lines.append("content " + hashlib.sha256(content.encode()).hexdigest())
    captured: list[str] = []

    def capture(table: str, columns: Any, rows: Any) -> None:
        captured.extend(f"row {table} {tuple(columns)!r} {tuple(row)!r}" for row in rows)

    from benhan.clinical import index as chart
    from benhan.fhir import bulkinsert
    from benhan.fhir.bulk import compartment_index
    from benhan.fhir.search import indexer

    with mock.patch.object(bulkinsert, "insert_rows", capture), \
            mock.patch.object(compartment_index, "insert_rows", capture), \
            mock.patch.object(chart, "insert_rows", capture):
        for listener in (indexer.index_writes, compartment_index.record_writes, chart.on_write):
            listener([(stored, resource)])
    return lines + sorted(captured)


def write_snapshot(out: Path) -> int:
    import django

    django.setup()
    count = 0
    with out.open("w") as f:
        for source in (synthea_resources(), example_resources()):
            for label, rid, resource in source:
                f.write("\n".join(outputs(label, rid, resource)) + "\n")
                count += 1
    return count


def _dropped_keys() -> frozenset[tuple[str, str]]:
    """(type, param) of the index rows migration 0004 deletes: decision 27 stopped writing them."""
    import importlib

    shared = importlib.import_module("benhan.fhir.search.migrations.0004_shared_composite_components").SHARED
    return frozenset((rtype, dropped + suffix) for rows in shared.values() for rtype, dropped, _ in rows
                     for suffix in ("", ":of-type", ":identifier"))


# `row fhir_search_token (columns) ('Observation', 'id-000001', 'code-value-quantity#0', ...)`
_INDEX_ROW = re.compile(r"row fhir_search_\w+ \(.*?\) \('([^']*)', '[^']*', '([^']*)'")


def compare(a: Path, b: Path, *, without_dropped: bool = False) -> int:
    keys = _dropped_keys() if without_dropped else frozenset()

    def dropped(line: str) -> bool:
        m = _INDEX_ROW.match(line)
        return m is not None and (m.group(1), m.group(2)) in keys

    def blocks(path: Path) -> dict[str, str]:
        out: dict[str, str] = {}
        for block in path.read_text().split("== ")[1:]:
            label, _, rest = block.partition("\n")
            out[label] = "".join(line for line in rest.splitlines(keepends=True) if not dropped(line)) \
                if without_dropped else rest
        return out

    left, right = blocks(a), blocks(b)
    differ = sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))
    for label in differ[:20]:
        print("differs:", label)
    print(f"{len(left)} / {len(right)} resources, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    if sys.argv[1] in ("--compare", "--compare-shared"):
        raise SystemExit(compare(Path(sys.argv[2]), Path(sys.argv[3]), without_dropped=sys.argv[1] == "--compare-shared"))
    print(write_snapshot(Path(sys.argv[1])), "resources")
