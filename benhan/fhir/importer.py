"""Bulk import of FHIR Bundles and NDJSON files through the repository's bulk write path.

A file is cut into chunks (a whole transaction Bundle; a batch or collection Bundle; up to
`chunk_lines` lines of NDJSON). Each chunk is stored with one Repository.create_many call and its
checkpoint row in the same database transaction, so after a crash a re-run skips exactly what was
committed: every resource lands once. Validation stays on; urn:uuid references are rewritten to
the ids assigned, as a transaction would.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.db import transaction

from benhan.core.models import ImportCheckpoint

from .collector import fewer_collections
from .errors import FhirError, Issue
from .repository import Repository, validate
from .store import new_id

SUFFIXES = (".json", ".ndjson")


@dataclass
class Chunk:
    """Resources that commit together, with the ids they take (None: a new id)."""

    offset: int
    resources: list[dict[str, Any]]
    ids: list[str | None]
    atomic: bool  # a transaction Bundle: one invalid entry refuses the chunk, not just the entry
    upsert: bool = True
    size: int = 0  # bytes of the file this chunk covers, for progress


@dataclass
class Report:
    files: int = 0
    resources: int = 0
    skipped_chunks: int = 0
    skipped_resources: int = 0
    invalid: int = 0
    failed_chunks: int = 0
    seconds: float = 0.0
    warm_up_seconds: float = 0.0  # before the timed run (warm_up), not in `seconds`
    cpu_seconds: float = 0.0  # of the importing processes (not the database server's)
    db_cpu_seconds: float = 0.0  # of their PostgreSQL backends, when the server runs on this machine
    problems: list[str] = field(default_factory=list)
    # Where the time went (seconds): reading and parsing files, validating, storing (with listeners).
    phases: dict[str, float] = field(default_factory=lambda: {"parse": 0.0, "validate": 0.0, "store": 0.0})

    @property
    def rate(self) -> float:
        return self.resources / self.seconds if self.seconds else 0.0


def find_files(paths: list[str]) -> list[Path]:
    """The importable files named, and those under folders named, in a stable order."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)))
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(name)
    return out


def _entry_id(entry: dict[str, Any], resource: dict[str, Any], index: int) -> tuple[str | None, bool]:
    """The id this entry's resource takes and whether it may overwrite (PUT) an existing one."""
    request = entry.get("request") or {}
    method = str(request.get("method", "")).upper()
    if not method:  # collection or other bundle without requests: keep ids the resources carry
        rid = resource.get("id")
        return (rid if isinstance(rid, str) else None), True
    if method == "POST":
        if request.get("ifNoneExist"):
            raise FhirError(422, [Issue("not-supported", "conditional create (ifNoneExist) is not supported by import",
                                        (f"Bundle.entry[{index}].request",))])
        return None, False
    if method == "PUT":
        url = str(request.get("url", ""))
        type_, _, rid = url.partition("/")
        if "?" in url or not rid or type_ != resource.get("resourceType"):
            raise FhirError(422, [Issue("not-supported", f"PUT {url}: import takes PUT Type/id only",
                                        (f"Bundle.entry[{index}].request.url",))])
        return rid, True
    raise FhirError(422, [Issue("not-supported", f"{method} entries are not supported by import",
                                (f"Bundle.entry[{index}].request.method",))])


def bundle_chunk(raw: bytes) -> Chunk:
    """A Bundle (or a single resource) as one chunk, local references rewritten to assigned ids."""
    size = len(raw)
    doc = orjson.loads(raw)
    if not isinstance(doc, dict) or doc.get("resourceType") != "Bundle":
        rid = doc.get("id") if isinstance(doc, dict) else None
        return Chunk(0, [doc], [rid if isinstance(rid, str) else None], atomic=True, size=size)
    kind = doc.get("type")
    if kind not in ("transaction", "batch", "collection"):
        raise FhirError(422, [Issue("not-supported", f"a {kind} Bundle cannot be imported", ("Bundle.type",))])
    entries = [e for e in doc.get("entry") or [] if isinstance(e, dict)]
    # Every entry gets its id now (new ones for POST), so references to it can be rewritten.
    ids: list[str | None] = []
    local: dict[str, str] = {}
    upsert = False
    for i, entry in enumerate(entries):
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            raise FhirError(400, [Issue("required", "an entry has no resource", (f"Bundle.entry[{i}].resource",))])
        rid, may_overwrite = _entry_id(entry, resource, i)
        upsert = upsert or may_overwrite
        rid = rid or new_id()
        ids.append(rid)
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and full_url.startswith("urn:"):
            local[full_url] = f"{resource.get('resourceType')}/{rid}"
    if local:
        # The FHIR rule: every string equal to a bundle-local fullUrl becomes the assigned reference.
        # One walk over the parsed entries (measured: 2.7x faster than rewriting the bytes and parsing again).
        for entry in entries:
            _rewrite(entry["resource"], local)
    resources = [e["resource"] for e in entries]
    return Chunk(0, resources, ids, atomic=kind == "transaction", upsert=upsert, size=size)


def _rewrite(node: dict[str, Any] | list[Any], local: dict[str, str]) -> None:
    """Replace, in place, every string value that is a key of `local` (only `urn:` ones can be)."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if type(value) is str:
            if value.startswith("urn:") and value in local:
                node[key] = local[value]  # type: ignore[index]  # same key, so no resize while iterating
        elif type(value) is dict or type(value) is list:
            _rewrite(value, local)


def ndjson_chunks(raw: bytes, chunk_lines: int) -> Iterator[Chunk]:
    """Each run of `chunk_lines` lines; resources keep their ids (a bulk export's NDJSON has them)."""
    lines = raw.split(b"\n")
    for start in range(0, len(lines), chunk_lines):
        block = lines[start : start + chunk_lines]
        resources = [orjson.loads(line) for line in block if line.strip()]
        ids = [r.get("id") if isinstance(r, dict) and isinstance(r.get("id"), str) else None for r in resources]
        yield Chunk(start, resources, ids, atomic=False, size=sum(len(line) + 1 for line in block))


class Importer:
    def __init__(self, repository: Repository, *, chunk_lines: int = 1000,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        self.repository = repository
        self.chunk_lines = chunk_lines
        self.on_progress = on_progress or (lambda nbytes, nresources: None)
        self.report = Report()

    def run(self, files: Iterable[Path]) -> Report:
        started, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu_seconds()
        with fewer_collections():
            for path in files:
                self.import_file(path)
        self.report.seconds = time.perf_counter() - started
        self.report.cpu_seconds = time.process_time() - cpu
        self.report.db_cpu_seconds = backend_cpu_seconds() - db_cpu
        return self.report

    def import_file(self, path: Path) -> None:
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        done = dict(ImportCheckpoint.objects.filter(file_sha256=sha).values_list("offset", "resources"))
        self.report.files += 1
        if not path.name.endswith(".ndjson") and 0 in done:  # a whole Bundle already stored: do not even parse it
            self.report.skipped_chunks += 1
            self.report.skipped_resources += done[0]
            self.on_progress(len(raw), 0)
            return
        try:
            # Lazily, so the parse timing below covers bundle_chunk too.
            chunks = (ndjson_chunks(raw, self.chunk_lines) if path.name.endswith(".ndjson")
                      else (bundle_chunk(raw) for _ in (0,)))
            while True:
                started = time.perf_counter()
                chunk = next(chunks, None)
                self.report.phases["parse"] += time.perf_counter() - started
                if chunk is None:
                    break
                if chunk.offset in done:
                    self.report.skipped_chunks += 1
                    self.report.skipped_resources += done[chunk.offset]
                    self.on_progress(chunk.size, 0)
                    continue
                self._store(path, sha, chunk)
        except (FhirError, orjson.JSONDecodeError) as exc:
            self.report.failed_chunks += 1
            self.report.problems.append(f"{path}: {exc}")

    def _store(self, path: Path, sha: str, chunk: Chunk) -> None:
        resources, ids = chunk.resources, chunk.ids
        problems: list[str] = []
        keep: list[int] = []
        started = time.perf_counter()
        for i, resource in enumerate(resources):
            errors = [x for x in validate(resource) if x.severity in ("error", "fatal")]
            if errors:
                where = resource.get("resourceType", "?") if isinstance(resource, dict) else "?"
                problems.append(f"{path} #{chunk.offset + i} ({where}): " + "; ".join(x.diagnostics for x in errors[:3]))
            else:
                keep.append(i)
        self.report.phases["validate"] += time.perf_counter() - started
        if problems and chunk.atomic:
            self.report.failed_chunks += 1
            self.report.invalid += len(problems)
            self.report.problems.append(f"{path}: transaction refused, {len(problems)} invalid entries")
            self.report.problems.extend(problems[:5])
            self.on_progress(chunk.size, 0)
            return
        self.report.invalid += len(problems)
        self.report.problems.extend(problems[:5])
        if len(keep) != len(resources):
            resources, ids = [resources[i] for i in keep], [ids[i] for i in keep]
        started = time.perf_counter()
        try:
            with transaction.atomic():
                self.repository.create_many(resources, ids=ids, validated=True, upsert=chunk.upsert)
                ImportCheckpoint.objects.create(file_sha256=sha, offset=chunk.offset, path=str(path),
                                                resources=len(resources), tenant=self.repository.facility)
        except FhirError as exc:
            self.report.failed_chunks += 1
            self.report.problems.append(f"{path} #{chunk.offset}: {exc}")
            self.on_progress(chunk.size, 0)
            return
        self.report.phases["store"] += time.perf_counter() - started
        self.report.resources += len(resources)
        self.on_progress(chunk.size, len(resources))


def warm_up() -> float:
    """Build now, once, what every import process would otherwise build for itself on its first
    resources: the validation tables, each type's search-index plan (compiled FHIRPath) and the
    compartment table. Processes forked afterwards share these pages, and fewer_collections() freezes
    them out of their garbage collections. Returns the seconds it took (start-up, like Django's)."""
    from .compartment import compartment_paths
    from .search import indexer
    from .validation import validate_resource

    started = time.perf_counter()
    validate_resource({"resourceType": "Patient"})  # loads the tables and builds the walker
    indexer.prepare()
    compartment_paths()
    return time.perf_counter() - started


def backend_cpu_seconds() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend process, read from /proc when
    the server runs on this machine (0 otherwise): on a shared machine, CPU per resource of importer
    plus database is the figure that the load of other processes does not skew."""
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def relax_commit_durability() -> None:
    """Let this session's commits return before their WAL reaches disk (PostgreSQL).

    Safe for an import, and only for it: a chunk and its checkpoint commit together, so a database
    crash that loses the last chunks loses their checkpoints too, and the re-run imports them again.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


def _queued(tasks: Any) -> Iterator[Path]:
    """The files a parallel import process takes, one at a time, until the parent's None."""
    while (name := tasks.get()) is not None:
        yield Path(name)


def _child(index: int, tasks: Any, facility: str, chunk_lines: int, messages: Any) -> None:
    from .access import Actor
    from .store import listener_seconds

    def progress(nbytes: int, nresources: int) -> None:
        messages.put((index, "progress", nbytes, nresources))

    try:
        relax_commit_durability()
        report = Importer(Repository(Actor.system("import"), facility), chunk_lines=chunk_lines,
                          on_progress=progress).run(_queued(tasks))
        messages.put((index, "done", report, dict(listener_seconds)))
    except BaseException as exc:  # tell the parent, which would otherwise wait for a report
        messages.put((index, "crashed", f"{type(exc).__name__}: {exc}", {}))
        raise


def run_parallel(files: list[Path], jobs: int, facility: str, *, chunk_lines: int = 1000,
                 on_progress: Callable[[int, int], None] | None = None) -> Report:
    """Import with `jobs` processes (Python is the bottleneck: parsing, validation and index
    extraction; PostgreSQL takes the rows faster than one process makes them). Each process takes
    the next file from a shared queue, largest first, so they finish together whatever the sizes.
    Checkpoints are per chunk, so a parallel run resumes like a single one."""
    import multiprocessing
    import queue

    from django.db import connections

    from .store import listener_seconds

    connections.close_all()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    messages, tasks = context.Queue(), context.Queue()
    for path in sorted(files, key=lambda p: -p.stat().st_size):
        tasks.put(str(path))
    for _ in range(jobs):
        tasks.put(None)
    children = [context.Process(target=_child, args=(i, tasks, facility, chunk_lines, messages))
                for i in range(jobs)]
    started = time.perf_counter()
    for child in children:
        child.start()
    total, open_children = Report(), set(range(len(children)))
    while open_children:
        try:
            index, kind, first, second = messages.get(timeout=0.5)
        except queue.Empty:
            for i in list(open_children):
                if children[i].exitcode is not None and messages.empty():  # died without a word (killed)
                    open_children.discard(i)
                    total.failed_chunks += 1
                    total.problems.append(f"import process {i} ended with exit code {children[i].exitcode}")
            continue
        if kind == "progress":
            (on_progress or (lambda b, r: None))(first, second)
            continue
        open_children.discard(index)
        if kind == "crashed":
            total.failed_chunks += 1
            total.problems.append(f"an import process failed: {first}")
            continue
        part: Report = first
        for name in ("files", "resources", "skipped_chunks", "skipped_resources", "invalid", "failed_chunks",
                     "cpu_seconds", "db_cpu_seconds"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total.problems.extend(part.problems)
        for phase, seconds in part.phases.items():
            total.phases[phase] += seconds
        for name, seconds in second.items():
            listener_seconds[name] = listener_seconds.get(name, 0.0) + seconds
    for child in children:
        child.join()
    total.seconds = time.perf_counter() - started
    return total
