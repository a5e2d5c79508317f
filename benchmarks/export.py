"""`Patient/$everything` latency and `$export` throughput, each next to a baseline from the same run.

    .venv/bin/python benchmarks/export.py [--database-url URL] [--copies 4] [--rounds 50]

Loads the 50 Synthea bundles (12,041 resources; `--copies N` stores N copies under new ids for a
bigger export) into a fresh database: a temporary SQLite file by default, or the PostgreSQL
database named by --database-url (its tables are dropped and re-created: use a scratch database).

- $everything: the operation handler (query, includes, Bundle assembly, audit row) for the Synthea
  patient nearest 300 resources, p50/p95 over --rounds calls; baseline: one raw SQL SELECT of the
  same rows' JSON by id.
- $export: a system-level export run by the worker to NDJSON files; baseline: a raw SQL SELECT of
  the same rows written to one file (and, on PostgreSQL, COPY ... TO STDOUT of the same content).

Goals: $everything < 100 ms for ~300 resources; $export >= 20,000 resources/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the data already in --database-url (from an earlier run) instead of reloading")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="benhan-bench-export-"))
    os.environ["BENHAN_DATABASE_URL"] = args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ["BENHAN_VAR_DIR"] = str(scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if args.reuse and args.database_url:
        call_command("migrate", verbosity=0)
        run(0, args.rounds, scratch)
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    run(args.copies, args.rounds, scratch)


def _load(copies: int) -> tuple[str, int]:
    """Store the Synthea data; returns the id of the ~300-resource patient and the resource count."""
    import re

    import orjson

    from benhan.fhir.access import Actor
    from benhan.fhir.repository import Repository
    from tests.fhir.bulk import synthea

    repo = Repository(Actor.system("benchmark"), "00001")
    target = synthea.largest_bundle_near(300)
    patient_id, total = "", 0
    for copy in range(copies):
        for path in synthea.bundle_paths():
            resources = synthea.resources_of(path)
            if copy:
                # A copy under new ids: rewrite every uuid (ids and references) with a copy suffix.
                text = re.sub(rb"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{8})",
                              rb"\1-c%d" % copy, orjson.dumps(resources))
                resources = orjson.loads(text)
            fresh = [r for r in resources if not (r["resourceType"] in synthea.SHARED_TYPES
                                                  and _exists(r["resourceType"], r["id"]))]
            repo.create_many(fresh, ids=[r["id"] for r in fresh], validated=True)
            total += len(fresh)
            if copy == 0 and path == target:
                patient_id = next(r["id"] for r in resources if r["resourceType"] == "Patient")
    return patient_id, total


def _existing_patient_near(count: int) -> tuple[str, int]:
    from django.db.models import Count

    from benhan.fhir.bulk.models import CompartmentMember
    from benhan.fhir.models import ResourceRow

    sizes = CompartmentMember.objects.values("patient_id").annotate(n=Count("id")).order_by("patient_id")
    best = min(sizes, key=lambda row: abs(row["n"] - count))
    return best["patient_id"], ResourceRow.objects.count()


def _exists(rtype: str, rid: str) -> bool:
    from benhan.fhir import store

    return store.current(rtype, rid) is not None


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def bench_everything(patient_id: str, rounds: int) -> None:
    import orjson
    from django.db import connection
    from django.test import RequestFactory

    from benhan.fhir.access import Actor
    from benhan.fhir.bulk.models import CompartmentMember
    from benhan.fhir.operations import OperationCall, find
    from benhan.fhir.repository import Repository

    reg = find("everything", "instance", "Patient")
    assert reg is not None
    repo = Repository(Actor.system("benchmark"), "00001")
    request = RequestFactory().get(f"/fhir/Patient/{patient_id}/$everything")
    samples, size, entries = [], 0, 0
    for _ in range(rounds + 3):
        start = time.perf_counter()
        response = reg.handler(OperationCall(request, repo, "everything", "instance", "Patient", patient_id, []))
        samples.append(time.perf_counter() - start)
        size, entries = len(response.content), len(orjson.loads(response.content)["entry"])
    samples = samples[3:]  # warm-up
    keys = list(CompartmentMember.objects.filter(patient_id=patient_id).values_list("resource_type", "resource_id"))
    by_type: dict[str, list[str]] = {}
    for rtype, rid in keys:
        by_type.setdefault(rtype, []).append(rid)
    # Same rows through the (resource_type, resource_id) unique index, as $everything reaches them.
    where = " OR ".join(f"(resource_type = %s AND resource_id IN ({', '.join(['%s'] * len(ids))}))"
                        for ids in by_type.values())
    params = [p for rtype, ids in by_type.items() for p in (rtype, *ids)]
    base = []
    for _ in range(rounds):
        start = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(f"SELECT resource_type, resource_id, content FROM fhir_resource WHERE {where}", params)
            rows = cur.fetchall()
        base.append(time.perf_counter() - start)
    p50, p95 = _percentiles(samples)
    b50, b95 = _percentiles(base)
    print(f"$everything  patient with {len(keys)} compartment resources -> {entries} entries, {size / 1024:.0f} KiB")
    print(f"  benhan $everything      p50 {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (goal < 100 ms)")
    print(f"  baseline raw SELECT     p50 {b50 * 1000:7.1f} ms   p95 {b95 * 1000:7.1f} ms   ({len(rows)} rows by id)")


def bench_export(scratch: Path) -> None:
    from django.db import connection

    from benhan.fhir.access import Actor
    from benhan.fhir.bulk import export as exports
    from benhan.fhir.models import ResourceRow
    from benhan.fhir.repository import Repository
    from benhan.jobs.worker import Worker

    repo = Repository(Actor.system("benchmark"), "00001")
    start = time.perf_counter()
    export = exports.start_export(repo, level="system", params=[], prefer="respond-async", request_url="bench")
    Worker("bench").run(burst=True)
    took = time.perf_counter() - start
    export.refresh_from_db()
    assert export.status == "completed", export.job and export.job.last_error
    count = sum(o["count"] for o in exports.manifest(export)["output"])
    size = sum(p.stat().st_size for p in exports.export_dir(export).iterdir())
    print(f"$export  system level, {count} resources, {size / 2**20:.1f} MiB of NDJSON")
    print(f"  benhan $export (kick-off to completed)   {took:6.2f} s   {count / took:9,.0f} resources/s   (goal >= 20,000/s)")

    target = scratch / "baseline.ndjson"
    start = time.perf_counter()
    with target.open("w", encoding="utf-8") as out, connection.cursor() as cur:
        cur.execute("SELECT content FROM fhir_resource WHERE deleted = %s", [False])
        while batch := cur.fetchmany(2000):
            out.write("\n".join(r[0] for r in batch))
            out.write("\n")
    took = time.perf_counter() - start
    rows = ResourceRow.objects.filter(deleted=False).count()
    print(f"  baseline raw SELECT -> one file          {took:6.2f} s   {rows / took:9,.0f} resources/s")
    if connection.vendor == "postgresql":
        start = time.perf_counter()
        sql = "COPY (SELECT content FROM fhir_resource WHERE NOT deleted) TO STDOUT"
        # (COPY's text format escapes backslashes: near enough the same bytes for a speed baseline.)
        with target.open("wb") as out, connection.cursor() as cur, cur.connection.cursor().copy(sql) as copy:
            for data in copy:
                out.write(data)
        took = time.perf_counter() - start
        print(f"  baseline COPY TO STDOUT -> one file      {took:6.2f} s   {rows / took:9,.0f} resources/s")


def run(copies: int, rounds: int, scratch: Path) -> None:
    from django.db import connection

    start = time.perf_counter()
    if copies:
        patient_id, total = _load(copies)
        print(f"database {connection.vendor}; loaded {total:,} resources in {time.perf_counter() - start:.1f} s")
    else:
        patient_id, total = _existing_patient_near(300)
        print(f"database {connection.vendor}; reusing {total:,} stored resources")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # fresh tables have no statistics yet; production ones do
    bench_everything(patient_id, rounds)
    bench_export(scratch)


if __name__ == "__main__":
    main()
