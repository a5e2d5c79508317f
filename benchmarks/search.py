"""FHIR search latency at 1,000 and 10,000 patients, each query next to a hand-written SQL baseline.

    .venv/bin/python benchmarks/search.py [--database-url URL] [--sizes 1000,10000] [--rounds 40]

Stores the 50 Synthea patients (12,041 resources) through store.write_many (search indexer and
compartment listener, as an import), then makes copies of them in SQL up to each size: every
resource row, index row and compartment row of the templates again, with each uuid in it (ids,
references, identifiers) suffixed `-cNNNNN` (on PostgreSQL; SQLite stores every copy through the
write path). The copies go into unlogged tables and the non-unique indexes are rebuilt after them:
a fixture, not what is measured. At each size 300 random copies are re-indexed with the indexer's
own row functions and compared with the copied rows (the run stops on any difference). The
database is a scratch one: by default `benhan_bench_search_h` on 127.0.0.1 (created if missing;
its tables are dropped and re-created).

At each size, for a fixed mix of queries with parameters drawn from the loaded data it prints
p50/p95 of `benhan.fhir.search.search()` (criteria, paging, total, includes, audit row, Bundle
bytes) and of one hand-written SQL statement over the same tables that gives the same answer.
Then `Patient/$everything` for a ~300-resource patient and a system-level `$export` of all data,
with the baselines of benchmarks/export.py. It also times index-row extraction with the compiled
path walker against fhirpathpy. `--measure-only` measures an earlier run's data again.

Goals on PostgreSQL: p50 < 10 ms, p95 < 50 ms at 10,000 patients; no query > 3x slower at 10k than 1k.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path("/work/shared/data/synthea")
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/benhan_bench_search_h"
TENANT = "00001"
BASE = "http://bench/fhir"


def _ensure_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _templates() -> list[list[dict[str, Any]]]:
    """The Synthea bundles as lists of resources whose urn:uuid references are placeholders."""
    out = []
    for path in sorted(DATA.glob("*.json")):
        bundle = json.loads(path.read_text())
        out.append([e["resource"] | {"_fullUrl": e["fullUrl"]} for e in bundle["entry"]])
    return out


_URN = re.compile(r'"urn:uuid:([0-9a-f-]{36})"')


def _clone(bundle: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """A copy of one patient's bundle with new ids and identifiers; returns resources, ids, patient."""
    import orjson

    new_ids = {r["_fullUrl"][9:]: str(uuid.uuid4()) for r in bundle}
    types = {r["_fullUrl"][9:]: r["resourceType"] for r in bundle}
    text = orjson.dumps([{k: v for k, v in r.items() if k != "_fullUrl"} for r in bundle]).decode()
    text = _URN.sub(lambda m: f'"{types[m.group(1)]}/{new_ids[m.group(1)]}"' if m.group(1) in new_ids
                    else m.group(0), text)
    resources = orjson.loads(text)
    ids = [new_ids[r["_fullUrl"][9:]] for r in bundle]
    patient = resources[0]
    for ident in patient.get("identifier", []):
        ident["value"] = ids[0]
    for r in resources:
        r.pop("id", None)
    return resources, ids, patient


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return p50 * 1000, p95 * 1000


def _timed(fn: Callable[[], Any], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


class Loaded:
    def __init__(self) -> None:
        self.patients: list[dict[str, Any]] = []  # id, identifier, family, birth
        self.resources = 0


class ListenerClock:
    """Times the search indexer inside the store's listener list (a benchmark-only wrapper).

    Unless all listeners are kept, only the search indexer and the compartment table stay: the
    other engineers' listeners (e.g. the clinical index) are not part of what this measures.
    """

    def __init__(self, keep_all: bool) -> None:
        from benhan.fhir import store
        from benhan.fhir.search.indexer import index_writes

        self.seconds = 0.0
        kept = []
        for fn in store._listeners:
            if fn is index_writes:
                kept.append(self._timed(fn))
            elif keep_all or fn.__module__.startswith("benhan.fhir.bulk"):
                kept.append(fn)
        store._listeners[:] = kept

    def _timed(self, fn: Callable[[Any], None]) -> Callable[[Any], None]:
        def timed(written: Any) -> None:
            start = time.perf_counter()
            fn(written)
            self.seconds += time.perf_counter() - start

        return timed


def load_to(target: int, loaded: Loaded, templates: list[list[dict[str, Any]]]) -> float:
    """Store clones until `target` patients; returns resources per second (indexing included)."""
    from django.db import transaction

    from benhan.fhir import store

    start, before = time.perf_counter(), loaded.resources
    i = len(loaded.patients)
    batch: list[dict[str, Any]] = []
    batch_ids: list[str | None] = []
    report_at = (len(loaded.patients) // 500 + 1) * 500
    while len(loaded.patients) < target:
        resources, ids, patient = _clone(templates[i % len(templates)])
        i += 1
        batch.extend(resources)
        batch_ids.extend(ids)
        ident = patient["identifier"][0]
        loaded.patients.append({"id": ids[0], "identifier": f"{ident['system']}|{ident['value']}",
                                "family": patient["name"][0]["family"], "birth": patient.get("birthDate", "")})
        if len(batch) >= 2000 or len(loaded.patients) == target:
            with transaction.atomic():
                store.write_many(batch, TENANT, batch_ids)
            loaded.resources += len(batch)
            batch, batch_ids = [], []
            if len(loaded.patients) >= report_at:
                report_at += 500
                rate = (loaded.resources - before) / (time.perf_counter() - start)
                print(f"  loaded {len(loaded.patients)} patients, {loaded.resources} resources ({rate:.0f}/s)",
                      flush=True)
    return (loaded.resources - before) / (time.perf_counter() - start)


UUID_RE = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
# Columns that hold no uuid (types, codes of parameters, facility codes) are copied as they are.
_VERBATIM = {"resource_type", "param", "tenant", "target_type"}


def _suffix(copy: int) -> str:
    return f"-c{copy:05d}"


def _clone_tables() -> list[tuple[str, list[tuple[str, bool]]]]:
    """(table, [(column, is_text)]) of every table a stored resource writes rows into for search:
    the resource rows, every search-index table and the compartment table."""
    from django.db import models

    from benhan.fhir.bulk.models import CompartmentMember
    from benhan.fhir.models import ResourceRow
    from benhan.fhir.search.models import INDEX_MODELS

    out: list[tuple[str, list[tuple[str, bool]]]] = []
    tables: list[type[models.Model]] = [ResourceRow, *INDEX_MODELS.values(), CompartmentMember]
    for model in tables:
        cols = [(str(f.column), isinstance(f, (models.CharField, models.TextField)))
                for f in model._meta.concrete_fields if not f.primary_key]
        out.append((model._meta.db_table, cols))
    return out


class SqlCloner:
    """Copies of the template patients made in SQL: every resource row, index row and compartment row
    of the templates is inserted again with each uuid in it (ids, references, identifiers) suffixed
    `-cNNNNN`. A benchmark fixture: the write path is not what search.py measures, and it cannot
    store 2.4 million resources in the time a run has. `check()` proves the copies are what the
    indexer would have written."""

    def __init__(self) -> None:
        from django.db import connection

        self.tables = _clone_tables()
        with connection.cursor() as cur:
            for table, _ in self.tables:
                cur.execute(f"DROP TABLE IF EXISTS bench_tpl_{table}")
                cur.execute(f"CREATE TABLE bench_tpl_{table} AS SELECT * FROM {table} ORDER BY id")
            cur.execute("SELECT resource_type, resource_id FROM fhir_resource ORDER BY id")
            self.template_keys: list[tuple[str, str]] = cur.fetchall()

    def unlog(self) -> None:
        """Unlogged tables for the copies: no WAL for data the benchmark can always make again.
        Reads (what is measured) are the same as on logged tables."""
        from django.db import connection

        with connection.cursor() as cur:
            # The version table is linked to fhir_resource both ways; unlogged tables may only
            # reference unlogged ones, so it goes first (the copies add no versions).
            for table in ["fhir_resource_version", *(t for t, _ in self.tables)]:
                cur.execute(f"ALTER TABLE {table} SET UNLOGGED")

    def drop_indexes(self) -> list[str]:
        """Drop the tables' non-unique indexes (returned as their CREATE statements): building them
        once after the copies is much faster than 30 million random index insertions."""
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
                        " AND tablename = ANY(%s) AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                        [[t for t, _ in self.tables]])
            found = cur.fetchall()
            for name, _ in found:
                cur.execute(f'DROP INDEX "{name}"')
        return [d for _, d in found]

    @staticmethod
    def create_indexes(statements: list[str]) -> None:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            for sql in statements:
                cur.execute(sql)

    def _expr(self, column: str, is_text: bool) -> str:
        if column in ("resource_id", "patient_id"):
            return f"t.{column} || s.suf"
        if is_text and column not in _VERBATIM:
            return f"regexp_replace(t.{column}, '{UUID_RE}', '\\1' || s.suf, 'g')"
        return f"t.{column}"

    def clone(self, first: int, last: int) -> None:
        """Copies number first..last (inclusive), one transaction."""
        from django.db import connection, transaction

        copies = f"(SELECT g, '-c' || lpad(g::text, 5, '0') AS suf FROM generate_series({first}, {last}) g) s"
        with transaction.atomic(), connection.cursor() as cur:
            for table, cols in self.tables:
                names = ", ".join(c for c, _ in cols)
                exprs = ", ".join(self._expr(c, t) for c, t in cols)
                cur.execute(f"INSERT INTO {table} ({names}) SELECT {exprs} FROM bench_tpl_{table} t"
                            f" CROSS JOIN {copies} ORDER BY s.g, t.id")

    def check(self, copies: int, sample: int = 300, seed: int = 11) -> None:
        """Re-derive the index and compartment rows of `sample` cloned resources with the indexer's
        own row functions and compare them with the cloned rows; raises on any difference."""
        import orjson
        from django.db import connection

        from benhan.fhir.bulk.compartment_index import member_rows
        from benhan.fhir.search.indexer import COLUMNS, TABLES, rows_for
        from benhan.fhir.store import Stored

        rng = random.Random(seed)
        picks = [(rng.choice(self.template_keys), rng.randint(1, copies)) for _ in range(sample)]
        n_rows = 0
        with connection.cursor() as cur:
            for (rtype, tid), copy in picks:
                rid = tid + _suffix(copy)
                cur.execute("SELECT version_id, last_updated, tenant, content FROM fhir_resource"
                            " WHERE resource_type = %s AND resource_id = %s", [rtype, rid])
                vid, lu, tenant, content = cur.fetchone()
                resource = orjson.loads(content)
                assert resource.get("id") == rid, (rid, resource.get("id"))
                expected = rows_for(resource, rid, tenant)
                for kind, table in TABLES.items():
                    cols = COLUMNS[kind]
                    cur.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE resource_type = %s AND resource_id = %s",
                                [rtype, rid])
                    got = sorted(_norm(r) for r in cur.fetchall())
                    want = sorted(_norm(r) for r in expected.get(kind, []))
                    if got != want:
                        raise AssertionError(f"{kind} rows of cloned {rtype}/{rid} differ from the indexer's:\n"
                                             f"  cloned  {got}\n  indexer {want}")
                    n_rows += len(got)
                stored = Stored(rtype, rid, vid, lu, False, tenant, content)
                want_m = sorted((m[2], m[4], m[5]) for m in member_rows(stored, resource))
                cur.execute("SELECT patient_id, date_start, date_end FROM fhir_compartment"
                            " WHERE resource_type = %s AND resource_id = %s", [rtype, rid])
                got_m = sorted(cur.fetchall())
                if got_m != want_m:
                    raise AssertionError(f"compartment rows of cloned {rtype}/{rid}: {got_m} != {want_m}")
                n_rows += len(got_m)
        print(f"  clone check: {sample} random cloned resources re-indexed with the indexer's row functions:"
              f" {n_rows} index and compartment rows, identical to the cloned rows", flush=True)


def _norm(row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(float(v) if isinstance(v, Decimal) else v for v in row)


def _sql(query: str, params: list[Any]) -> Callable[[], Any]:
    from django.db import connection

    def run() -> Any:
        with connection.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()

    return run


def query_mix(loaded: Loaded, rng: random.Random) -> list[tuple[str, str, list[tuple[str, str]], Callable[[], Any]]]:
    """(name, type, search parameters, baseline SQL call) for each query of the mix, fresh parameters."""
    p = rng.choice(loaded.patients)
    prefix = p["family"][:5].lower()
    month = p["birth"][:7]
    system, value = p["identifier"].split("|")
    R, T, S, D, REF = ("fhir_resource", "fhir_search_token", "fhir_search_string", "fhir_search_date",
                       "fhir_search_reference")
    live = "r.deleted = false"
    from benhan.fhir.search.definitions import params_for

    obs_code = params_for("Observation")["code"].key  # stored under a composite component's key (decision 30)
    return [
        ("patient by identifier", "Patient", [("identifier", p["identifier"])],
         _sql(f"SELECT r.content FROM {R} r WHERE r.resource_type='Patient' AND {live} AND r.resource_id IN "
              f"(SELECT resource_id FROM {T} WHERE resource_type='Patient' AND param='identifier' AND code=%s AND system=%s)",
              [value, system])),
        ("patient by name prefix", "Patient", [("name", prefix)],
         _sql(f"SELECT r.content FROM {R} r WHERE r.resource_type='Patient' AND {live} AND r.resource_id IN "
              f"(SELECT resource_id FROM {S} WHERE resource_type='Patient' AND param='name' AND value LIKE %s)"
              " ORDER BY r.id LIMIT 20", [prefix + "%"])),
        ("patient by birthdate month", "Patient", [("birthdate", month)],
         _sql(f"SELECT r.content FROM {R} r WHERE r.resource_type='Patient' AND {live} AND r.resource_id IN "
              f"(SELECT resource_id FROM {D} WHERE resource_type='Patient' AND param='birthdate' AND low >= %s AND low <= %s AND high <= %s)"
              " ORDER BY r.id LIMIT 20", _eq_bounds(month))),
        ("patient's weights, date range, newest first", "Observation",
         [("subject", f"Patient/{p['id']}"), ("code", "http://loinc.org|29463-7"), ("date", "ge2000"),
          ("date", "lt2030"), ("_sort", "-date")],
         _sql(f"SELECT r.content FROM {R} r JOIN {D} d ON d.resource_type = r.resource_type AND d.resource_id = r.resource_id"
              f" AND d.param = 'date' WHERE r.resource_type='Observation' AND {live} AND r.resource_id IN "
              f"(SELECT resource_id FROM {REF} WHERE resource_type='Observation' AND param='subject' AND target_id=%s"
              " AND target_type='Patient') AND r.resource_id IN "
              f"(SELECT resource_id FROM {T} WHERE resource_type='Observation' AND param='{obs_code}' AND code='29463-7'"
              " AND system='http://loinc.org') AND d.high >= %s AND d.low < %s ORDER BY d.high DESC LIMIT 20",
              [p["id"], *_year_bounds("2000", "2030")])),
        ("conditions by clinical status", "Condition", [("clinical-status", "active")],
         _sql(f"SELECT r.content FROM {R} r WHERE r.resource_type='Condition' AND {live} AND r.resource_id IN "
              f"(SELECT resource_id FROM {T} WHERE resource_type='Condition' AND param='clinical-status' AND code='active')"
              " ORDER BY r.id LIMIT 20", [])),
        ("encounters by date (month)", "Encounter", [("date", "2015-06")],
         _sql(f"SELECT r.content FROM {R} r WHERE r.resource_type='Encounter' AND {live} AND r.resource_id IN "
              f"(SELECT resource_id FROM {D} WHERE resource_type='Encounter' AND param='date' AND low >= %s AND low <= %s AND high <= %s)"
              " ORDER BY r.id LIMIT 20", _eq_bounds("2015-06"))),
        ("patient's encounters + _include practitioner", "Encounter",
         [("patient", p["id"]), ("_include", "Encounter:practitioner"), ("_count", "10")],
         _sql(f"WITH m AS (SELECT r.resource_id, r.content FROM {R} r WHERE r.resource_type='Encounter' AND {live}"
              f" AND r.resource_id IN (SELECT resource_id FROM {REF} WHERE resource_type='Encounter' AND param='patient'"
              " AND target_id=%s) ORDER BY r.id LIMIT 10)"
              f" SELECT content FROM m UNION ALL SELECT t.content FROM {R} t WHERE t.resource_type='Practitioner'"
              f" AND t.resource_id IN (SELECT target_id FROM {REF} WHERE resource_type='Encounter' AND param='practitioner'"
              " AND resource_id IN (SELECT resource_id FROM m))", [p["id"]])),
        ("patients _has condition", "Patient", [("_has:Condition:patient:code", "44054006")],
         _sql(f"SELECT r.content FROM {R} r WHERE r.resource_type='Patient' AND {live} AND r.resource_id IN "
              f"(SELECT target_id FROM {REF} WHERE resource_type='Condition' AND param='patient' AND resource_id IN "
              f"(SELECT resource_id FROM {T} WHERE resource_type='Condition' AND param='code' AND code='44054006'))"
              " ORDER BY r.id LIMIT 20", [])),
    ]


def _month_bounds(month: str) -> tuple[int, int]:
    from benhan.fhir.search.dates import parse_range

    rng = parse_range(month)
    assert rng
    return rng


def _eq_bounds(month: str) -> list[int]:
    low, high = _month_bounds(month)
    return [low, high, high]


def _year_bounds(lo: str, hi: str) -> tuple[int, int]:
    from benhan.fhir.search.dates import parse_range

    a, b = parse_range(lo), parse_range(hi)
    assert a and b
    return a[0], b[0]


def measure(loaded: Loaded, rounds: int) -> dict[str, tuple[float, float, float, float]]:
    """p50/p95 of search() (with its audit row), of the engine without the audit row, and of the SQL."""
    from benhan.fhir.access import Actor
    from benhan.fhir.repository import Repository
    from benhan.fhir.search import search
    from benhan.fhir.search.engine import _Search

    repo = Repository(Actor.system("bench"), TENANT)
    rng = random.Random(7)
    samples: dict[str, tuple[list[float], list[float], list[float]]] = {}
    for round_no in range(rounds):
        for name, rtype, params, baseline in query_mix(loaded, rng):
            full, bare, base = samples.setdefault(name, ([], [], []))
            variants: list[tuple[list[float], Callable[[], Any]]] = [
                (full, partial(lambda t, q: search(repo, t, q, base_url=BASE).to_bytes(), rtype, params)),
                (bare, partial(lambda t, q: _Search(repo, t, q, BASE, None, False).run().to_bytes(), rtype, params)),
                (base, baseline),
            ]
            # Each round's parameters are new (another patient), so whichever runs first reads pages
            # the others then find cached: the three take turns at going first.
            for k in range(3):
                times, fn = variants[(round_no + k) % 3]
                times.extend(_timed(fn, 1))
    out: dict[str, tuple[float, float, float, float]] = {}
    print(f"  {'query':46s} {'search() p50':>12s} {'p95':>7s} | {'no audit p50':>12s} {'p95':>7s} |"
          f" {'SQL p50':>8s} {'p95':>7s}  (ms)")
    for name, (full, bare, base) in samples.items():
        f50, f95 = _percentiles(full)
        e50, e95 = _percentiles(bare)
        b50, b95 = _percentiles(base)
        out[name] = (f50, f95, e50, b50)
        print(f"  {name:46s} {f50:12.2f} {f95:7.2f} | {e50:12.2f} {e95:7.2f} | {b50:8.2f} {b95:7.2f}", flush=True)
    pooled = [_percentiles([x for group in samples.values() for x in group[i]]) for i in range(3)]
    print(f"  {'the whole mix (every sample of every query)':46s} {pooled[0][0]:12.2f} {pooled[0][1]:7.2f} |"
          f" {pooled[1][0]:12.2f} {pooled[1][1]:7.2f} | {pooled[2][0]:8.2f} {pooled[2][1]:7.2f}", flush=True)
    return out


def indexing_speed(templates: list[list[dict[str, Any]]]) -> None:
    """Index-row extraction: compiled path walker vs the same expressions in fhirpathpy."""
    from fhirpathpy import compile as fp_compile
    from fhirpathpy.models import models

    from benhan.fhir.search.definitions import indexed_params
    from benhan.fhir.search.indexer import rows_for

    resources = [{k: v for k, v in r.items() if k != "_fullUrl"} for b in templates for r in b]
    start = time.perf_counter()
    n_rows = 0
    for r in resources:
        n_rows += sum(len(v) for v in rows_for(r, "x", TENANT).values())
    walker = time.perf_counter() - start
    print(f"indexing (path walker + value extraction): {len(resources)} resources, {n_rows} rows,"
          f" {len(resources) / walker:.0f} resources/s")
    package = ROOT / "build" / "fhir-r4" / "package"
    if not package.exists():
        return
    exprs: dict[tuple[str, str], Any] = {}
    for f in package.glob("SearchParameter-*.json"):
        sp = json.loads(f.read_text())
        if sp.get("expression"):
            text = re.sub(r"\.where\(resolve\(\) is \w+\)", "", sp["expression"])
            for base in sp.get("base", []):
                exprs[(base, sp["code"])] = text
    compiled: dict[str, list[Any]] = {}
    sample = resources[:2000]
    for r in sample:
        rtype = r["resourceType"]
        if rtype not in compiled:
            compiled[rtype] = []
            for p in indexed_params(rtype):
                source = (exprs.get((rtype, p.code)) or exprs.get(("Resource", p.code))
                          or exprs.get(("DomainResource", p.code)))
                if source:
                    with contextlib.suppress(Exception):  # a few expressions fhirpathpy cannot parse
                        compiled[rtype].append(fp_compile(source, models["r4"]))
    start = time.perf_counter()
    for r in sample:
        for fn in compiled[r["resourceType"]]:
            with contextlib.suppress(Exception):  # functions fhirpathpy lacks
                fn(r)
    fp = time.perf_counter() - start
    start = time.perf_counter()
    for r in sample:
        for p in indexed_params(r["resourceType"]):
            assert p.expression is not None
            p.expression(r)
    walk = time.perf_counter() - start
    print(f"expression evaluation only, {len(sample)} resources: path walker {len(sample) / walk:.0f}/s,"
          f" fhirpathpy {len(sample) / fp:.0f}/s ({fp / walk:.0f}x slower)")


def _already_loaded() -> Loaded:
    import orjson
    from django.db import connection

    loaded = Loaded()
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM fhir_resource")
        loaded.resources = cur.fetchone()[0]
        cur.execute("SELECT resource_id, content FROM fhir_resource WHERE resource_type = 'Patient' ORDER BY id")
        for rid, content in cur.fetchall():
            patient = orjson.loads(content)
            ident = patient["identifier"][0]
            loaded.patients.append({"id": rid, "identifier": f"{ident['system']}|{ident['value']}",
                                    "family": patient["name"][0]["family"], "birth": patient.get("birthDate", "")})
    return loaded


def _patient_near(count: int) -> str:
    """The template patient whose compartment holds nearest `count` resources (for $everything)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT patient_id, COUNT(*) FROM fhir_compartment GROUP BY patient_id")
        return min(cur.fetchall(), key=lambda row: abs(row[1] - count))[0]


def _everything_and_export(patient_id: str, rounds: int) -> None:
    """$everything of one ~300-resource patient and a system $export of everything, with the
    baselines of benchmarks/export.py."""
    import shutil
    import tempfile

    from benchmarks.export import bench_everything, bench_export

    bench_everything(patient_id, rounds)
    scratch = Path(tempfile.mkdtemp(prefix="benhan-bench-search-"))
    try:
        bench_export(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        from benhan.fhir.bulk.export import exports_dir

        shutil.rmtree(exports_dir(), ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--all-listeners", action="store_true", help="keep every write listener while loading")
    parser.add_argument("--measure-only", action="store_true",
                        help="measure the data already loaded by an earlier run (no drop, no load)")
    args = parser.parse_args()
    os.environ["BENHAN_DATABASE_URL"] = args.database_url
    import tempfile

    os.environ.setdefault("BENHAN_VAR_DIR", tempfile.mkdtemp(prefix="benhan-bench-search-var-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
    _ensure_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if args.measure_only:
        loaded = _already_loaded()
        print(f"{len(loaded.patients)} patients, {loaded.resources} resources already loaded")
        measure(loaded, args.rounds)
        _everything_and_export(_patient_near(300), args.rounds)
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    templates = _templates()
    indexing_speed(templates)
    clock = ListenerClock(args.all_listeners)
    loaded = Loaded()
    # The templates go through the write path (store.write_many: indexer and compartment listener);
    # the copies are made in SQL from their rows.
    rate = load_to(len(templates), loaded, templates)
    print(f"templates: {len(loaded.patients)} patients, {loaded.resources} resources stored through the write path"
          f" at {rate:.0f} resources/s (search indexer {clock.seconds:.1f} s of it)")
    sql_clones = connection.vendor == "postgresql"
    cloner = SqlCloner() if sql_clones else None
    if cloner is not None:
        cloner.unlog()
    template_patients = list(loaded.patients)
    everything_patient = _patient_near(300)
    copies = 0
    results: dict[int, dict[str, tuple[float, float, float, float]]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        if cloner is None:
            rate = load_to(size, loaded, templates)
            print(f"  loaded through the write path at {rate:.0f} resources/s")
        else:
            want = -(-size // len(template_patients)) - 1
            dropped = cloner.drop_indexes()
            while copies < want:
                last = min(want, copies + 10)
                cloner.clone(copies + 1, last)
                for k in range(copies + 1, last + 1):
                    suf = _suffix(k)
                    loaded.patients += [p | {"id": p["id"] + suf, "identifier": p["identifier"] + suf}
                                        for p in template_patients]
                copies = last
                loaded.resources = len(cloner.template_keys) * (copies + 1)
                print(f"  cloned to {len(loaded.patients)} patients, {loaded.resources} resources"
                      f" ({time.perf_counter() - started:.0f} s)", flush=True)
            index_start = time.perf_counter()
            cloner.create_indexes(dropped)
            print(f"  indexes built in {time.perf_counter() - index_start:.0f} s", flush=True)
            with connection.cursor() as cur:
                cur.execute("ANALYZE")  # without statistics the check's look-ups by id plan as full scans
            cloner.check(copies)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                # As autovacuum would in service: planner statistics and the visibility map that
                # lets index-only scans skip the heap.
                cur.execute("VACUUM ANALYZE")
            else:
                cur.execute("ANALYZE")
        print(f"\n{len(loaded.patients)} patients, {loaded.resources} resources"
              f" (made in {time.perf_counter() - started:.0f} s)")
        results[size] = measure(loaded, args.rounds)
        _everything_and_export(everything_patient + (_suffix(copies) if copies else ""), args.rounds)
    sizes = sorted(results)
    if len(sizes) > 1:
        small, big = results[sizes[0]], results[sizes[-1]]
        print(f"\nslowdown {sizes[-1]} vs {sizes[0]} patients (p50 of search() / without audit / SQL):")
        for name in small:
            print(f"  {name:46s} {big[name][0] / small[name][0]:5.2f}x {big[name][2] / small[name][2]:5.2f}x"
                  f" {big[name][3] / small[name][3]:5.2f}x")


if __name__ == "__main__":
    main()
