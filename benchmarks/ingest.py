"""Ingest and read-by-id benchmark on PostgreSQL, each figure next to a raw baseline from the same run.

    .venv/bin/python benchmarks/ingest.py [--clients 4] [--workers 2] [--reads 2000] [--bundles 50] [--skip-transactions]

It creates databases benhan_bench_* on the server of BENHAN_BENCH_ADMIN_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), migrates one as a template, and for each phase starts
from a fresh copy; everything is dropped at the end. Phases, all on the Synthea transaction Bundles:

1. raw baseline: the same resources' JSON, one COPY into a plain jsonb table (no ids, no history);
2. `benhan import` of the Bundle files (a subprocess, as an operator runs it), with its own timings;
3. the same Bundles POSTed as FHIR transactions over HTTP by several clients to `benhan serve`;
4. the transaction processor in-process (no HTTP), to split HTTP cost from processing cost;
5. read by id: GET /fhir/Type/id over HTTP (one keep-alive client: httpx, then http.client, whose own
   overhead per request is smaller) vs a psycopg SELECT by key.

Goals (docs/decisions/0006-ingest-path.md): import >= 5,000 resources/s, transactions >= 2,000
resources/s, read p50 < 2 ms. They are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENHAN = str(Path(sys.executable).parent / "benhan")
DATA = Path(os.environ.get("BENHAN_BENCH_DATA", "/work/shared/data/synthea"))
ADMIN = os.environ.get("BENHAN_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RUN = uuid.uuid4().hex[:6]


def url_for(name: str) -> str:
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


def admin(sql: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def env(database: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "BENHAN_DATABASE_URL": url_for(database), "BENHAN_LOG_LEVEL": "WARNING", **extra}


def run(database: str, *args: str) -> str:
    done = subprocess.run([BENHAN, *args], env=env(database), capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"benhan {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def fresh_database(template: str, label: str) -> Iterator[str]:
    name = f"benhan_bench_{label}_{RUN}"
    admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield name
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def python_loop_seconds() -> str:
    """Three timings of one interpreter-bound loop, fastest to slowest: the machine's speed, for
    reading figures taken on different machines (the shared ones here differ by 2x from day to day,
    and within a run when neighbours get busy, which the spread shows)."""
    times = []
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        times.append(time.perf_counter() - started)
    return " / ".join(f"{t:.2f}" for t in sorted(times)) + " s"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- 1. raw baseline ---------------------------------------------------------------------------------
def raw_copy(database: str, files: list[Path]) -> tuple[int, float]:
    """Parse the Bundles and COPY every resource's JSON into a plain jsonb table, as fast as psycopg can."""
    with psycopg.connect(url_for(database)) as conn:
        conn.execute("CREATE TABLE raw_resource (id bigserial PRIMARY KEY, content jsonb NOT NULL)")
        conn.commit()
        started = time.perf_counter()
        count = 0
        with conn.cursor() as cursor, cursor.copy("COPY raw_resource (content) FROM STDIN") as copy:
            for path in files:
                for entry in orjson.loads(path.read_bytes())["entry"]:
                    copy.write_row((orjson.dumps(entry["resource"]).decode(),))
                    count += 1
        conn.commit()
        return count, time.perf_counter() - started


# --- 2. benhan import ----------------------------------------------------------------------------------
def bench_import(database: str, files: list[Path], workdir: Path) -> dict[str, Any]:
    folder = workdir / "bundles"
    folder.mkdir()
    for path in files:
        (folder / path.name).symlink_to(path)
    started = time.perf_counter()
    out = run(database, "import", str(folder), "--facility", "00001", "--no-progress", "--timings")
    wall = time.perf_counter() - started
    match = re.search(r"Imported (\d+) resources .* in ([\d.]+) s \((\d+) resources/s\)", out)
    assert match, out
    # The summary line rounds the seconds to 0.1 s (±2% at 2.4 s); --timings gives them to 0.01 s.
    precise = re.search(r"timings \(s\): wall ([\d.]+)", out)
    seconds = float(precise.group(1)) if precise else float(match.group(2))
    return {"resources": int(match.group(1)), "seconds": seconds, "wall": wall, "output": out}


# --- 3. transactions over HTTP ---------------------------------------------------------------------------
@contextmanager
def server(database: str, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    with socket_port() as port:
        base = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [BENHAN, "serve", "--port", str(port), "--workers", str(workers), "--no-collectstatic", "--no-jobs"],
            env=env(database, BENHAN_BASE_URL=base), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"benhan serve exited:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/fhir/metadata", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its live children (granian's workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        pid, ppid = int(name), int(fields[1])
        if pid == root or ppid == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@contextmanager
def socket_port() -> Iterator[int]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def token(database: str, base: str) -> str:
    out = run(database, "client", "create", "--name", "bench", "--scope", "system/*.*")
    client_id = re.search(r"client_id: (\S+)", out)
    secret = re.search(r"client_secret: (\S+)", out)
    assert client_id and secret, out
    answer = httpx.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials", "scope": "system/*.*"},
                        auth=(client_id.group(1), secret.group(1)), timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def bench_transactions(base: str, bearer: str, files: list[Path], clients: int) -> tuple[int, float, list[str]]:
    bodies = [path.read_bytes() for path in files]
    counts = [len(orjson.loads(b)["entry"]) for b in bodies]
    todo = list(range(len(bodies)))
    lock = threading.Lock()
    failures: list[str] = []

    def client() -> None:
        with httpx.Client(timeout=300, headers={"Authorization": f"Bearer {bearer}",
                                                "Content-Type": "application/fhir+json"}) as http:
            while True:
                with lock:
                    if not todo:
                        return
                    i = todo.pop(0)
                answer = http.post(f"{base}/fhir", content=bodies[i])
                if answer.status_code != 200:
                    failures.append(f"{files[i].name}: {answer.status_code} {answer.text[:300]}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts), time.perf_counter() - started, failures


# --- 4. the transaction processor in-process ---------------------------------------------------------
def bench_in_process(database: str, files: list[Path]) -> str:
    """Run in a child interpreter so Django is set up against this phase's database only."""
    code = f"""
import os, time, orjson, django
django.setup()
from benhan.fhir import store
from benhan.fhir.access import Actor
from benhan.fhir.bundles import process_bundle
from benhan.fhir.repository import Repository
from benhan.fhir.rest.messages import FhirRequest
from benhan.fhir.rest.routing import parse_path
bodies = [orjson.loads(open(p, "rb").read()) for p in {[str(p) for p in files]!r}]
n = sum(len(b["entry"]) for b in bodies)
repo = Repository(Actor.system("bench"), "00001")
started = time.perf_counter()
for body in bodies:
    process_bundle(repo, FhirRequest(method="POST", route=parse_path(""), body=body, base="http://bench/fhir"))
seconds = time.perf_counter() - started
print(f"in-process transactions: {{n}} resources in {{seconds:.1f}} s = {{n / seconds:.0f}} resources/s")
for name, s in sorted(store.listener_seconds.items(), key=lambda kv: -kv[1]):
    print(f"    listener {{name:<49}} {{s:8.2f}} s")
"""
    done = subprocess.run([sys.executable, "-c", code], env=env(database, DJANGO_SETTINGS_MODULE="benhan.settings"),
                          capture_output=True, text=True, cwd=ROOT)
    return done.stdout + (done.stderr[-2000:] if done.returncode else "")


# --- 5. read by id ---------------------------------------------------------------------------------------
def sample_ids(database: str, n: int) -> list[tuple[str, str]]:
    with psycopg.connect(url_for(database)) as conn:
        rows = conn.execute(
            "SELECT resource_type, resource_id FROM fhir_resource ORDER BY md5(resource_id) LIMIT %s", (n,)
        ).fetchall()
    return [(str(t), str(i)) for t, i in rows]


def bench_reads_http(base: str, bearer: str, ids: list[tuple[str, str]], pid: int) -> tuple[list[float], float]:
    """Read times, and benhan serve's CPU seconds per read (counted after the warm-up)."""
    times: list[float] = []
    with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {bearer}"}) as http:
        for rtype, rid in ids[:50]:  # warm-up: connections, caches, lazy imports in each worker
            http.get(f"{base}/fhir/{rtype}/{rid}")
        cpu_before = tree_cpu_seconds(pid)
        for rtype, rid in ids:
            started = time.perf_counter()
            answer = http.get(f"{base}/fhir/{rtype}/{rid}")
            times.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise SystemExit(f"GET {rtype}/{rid}: {answer.status_code} {answer.text[:300]}")
        cpu = (tree_cpu_seconds(pid) - cpu_before) / len(ids)
    return times, cpu


def bench_reads_plain_client(base: str, bearer: str, ids: list[tuple[str, str]]) -> list[float]:
    """The same reads from the standard library's http.client on one keep-alive connection: a client
    that spends ~0.1 ms of its own per request where httpx spends ~0.5 ms on this machine, so what
    is left is mostly the server's time."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(base)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port or 80, timeout=30)
    headers = {"Authorization": f"Bearer {bearer}"}
    times: list[float] = []
    try:
        for rtype, rid in ids[:50]:
            conn.request("GET", f"/fhir/{rtype}/{rid}", headers=headers)
            conn.getresponse().read()
        for rtype, rid in ids:
            started = time.perf_counter()
            conn.request("GET", f"/fhir/{rtype}/{rid}", headers=headers)
            answer = conn.getresponse()
            answer.read()
            times.append(time.perf_counter() - started)
            if answer.status != 200:
                raise SystemExit(f"GET {rtype}/{rid}: {answer.status}")
    finally:
        conn.close()
    return times


def bench_reads_raw(database: str, ids: list[tuple[str, str]]) -> list[float]:
    times: list[float] = []
    with psycopg.connect(url_for(database), autocommit=True) as conn:
        sql = "SELECT content FROM fhir_resource WHERE resource_type = %s AND resource_id = %s"
        for rtype, rid in ids:
            started = time.perf_counter()
            conn.execute(sql, (rtype, rid)).fetchone()
            times.append(time.perf_counter() - started)
    return times


def transaction_phases(template: str, files: list[Path], clients: int, workers: int, workdir: Path) -> list[str]:
    """Phases 3 and 4: the Bundles as FHIR transactions over HTTP, then in-process."""
    lines: list[str] = []
    with fresh_database(template, "http") as db, server(db, workers, workdir / "serve.log") as (base, pid):
        bearer = token(db, base)
        cpu_before = tree_cpu_seconds(pid)
        tx_n, tx_s, failures = bench_transactions(base, bearer, files, clients)
        server_cpu = tree_cpu_seconds(pid) - cpu_before
        lines.append(f"transactions over HTTP ({clients} clients, {workers} workers) {tx_n:7d} resources "
                     f"{tx_s:7.2f} s {tx_n / tx_s:8.0f} resources/s" + (f"  FAILURES: {len(failures)}" if failures else ""))
        lines.append(f"    server CPU {server_cpu:.1f} s = {tx_n / server_cpu:.0f} resources per CPU-second of benhan serve")
        lines.extend(f"    {f}" for f in failures[:5])
    with fresh_database(template, "inproc") as db:
        lines.append("    " + bench_in_process(db, files).strip().replace("\n", "\n    "))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients posting transactions")
    parser.add_argument("--workers", type=int, default=2, help="benhan serve worker processes")
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--bundles", type=int, default=0, help="use only the first N bundle files (0: all)")
    parser.add_argument("--skip-transactions", action="store_true",
                        help="leave out phases 3 and 4 (transactions over HTTP and in-process)")
    args = parser.parse_args()
    files = sorted(DATA.glob("*.json"))
    if args.bundles:
        files = files[: args.bundles]
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"benhan-bench-{RUN}"
    workdir.mkdir(parents=True)
    template = f"benhan_bench_template_{RUN}"
    admin(f'CREATE DATABASE "{template}"')
    try:
        print(f"migrating the template database {template} …", flush=True)
        run(template, "migrate", "--no-input", "-v0")
        lines: list[str] = [f"benhan ingest benchmark — {len(files)} Synthea bundles, PostgreSQL, {os.cpu_count()} cores",
                            f"this machine: a CPython loop of 10⁷ additions (in a function) takes {python_loop_seconds()} "
                            "at the start (compare runs on different machines by it and by the raw baselines)"]

        with fresh_database(template, "raw") as db:
            raw_n, raw_s = raw_copy(db, files)
        lines.append(f"raw COPY into a jsonb table          {raw_n:7d} resources {raw_s:7.2f} s {raw_n / raw_s:8.0f} resources/s")

        with fresh_database(template, "import") as db:
            imp = bench_import(db, files, workdir)
            lines.append(f"benhan import (bulk path)           {imp['resources']:7d} resources {imp['seconds']:7.2f} s "
                         f"{imp['resources'] / imp['seconds']:8.0f} resources/s  (wall with start-up {imp['wall']:.1f} s)")
            timings = imp["output"].split("timings (s):", 1)[-1]
            lines.append("    import timings (s):" + timings.rstrip())
            cpu = re.search(r"CPU of the import processes ([\d.]+)", imp["output"])
            if cpu:
                lines.append(f"    = {imp['resources'] / float(cpu.group(1)):.0f} resources per CPU-second of the import "
                             "processes (what their share of an idle machine would allow)")
            db_cpu = re.search(r"of their database backends ([\d.]+)", imp["output"])
            if cpu and db_cpu and float(db_cpu.group(1)) > 0:
                both = float(cpu.group(1)) + float(db_cpu.group(1))
                lines.append(f"    = {imp['resources'] / both:.0f} resources per CPU-second of importers + their PostgreSQL "
                             f"backends: {imp['resources'] / both * (os.cpu_count() or 1):.0f} resources/s on "
                             f"{os.cpu_count()} idle cores (the load of other processes does not change this figure)")
            ids = sample_ids(db, args.reads)
            with server(db, args.workers, workdir / "serve-read.log") as (base, pid):
                bearer = token(db, base)
                http_reads, read_cpu = bench_reads_http(base, bearer, ids, pid)
                plain_reads = bench_reads_plain_client(base, bearer, ids)
            raw_reads = bench_reads_raw(db, ids)

        if not args.skip_transactions:
            lines.extend(transaction_phases(template, files, args.clients, args.workers, workdir))

        ms = 1000.0
        lines.append(f"read by id over HTTP                 p50 {percentile(http_reads, .5) * ms:6.2f} ms  "
                     f"p95 {percentile(http_reads, .95) * ms:6.2f} ms  mean {statistics.mean(http_reads) * ms:6.2f} ms  "
                     f"({len(http_reads)} reads, one client)")
        lines.append(f"    server CPU per read {read_cpu * ms:.2f} ms (benhan serve only, not PostgreSQL)")
        lines.append(f"read by id over HTTP, http.client     p50 {percentile(plain_reads, .5) * ms:6.2f} ms  "
                     f"p95 {percentile(plain_reads, .95) * ms:6.2f} ms  (the same reads; a client with less overhead)")
        lines.append(f"raw psycopg SELECT by key            p50 {percentile(raw_reads, .5) * ms:6.2f} ms  "
                     f"p95 {percentile(raw_reads, .95) * ms:6.2f} ms")
        lines.append(f"this machine at the end: the same loop takes {python_loop_seconds()}")
        print("\n".join(lines))
    finally:
        admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


if __name__ == "__main__":
    main()
