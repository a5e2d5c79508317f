"""Bulk import of FHIR Bundles and NDJSON files through the repository's bulk write path.

A file is cut into chunks (a whole transaction Bundle; a batch or collection Bundle; up to
`chunk_lines` lines of NDJSON). Each chunk is stored with one Repository.create_many call and its
checkpoint row in the same database transaction, so after a crash a re-run skips exactly what was
committed: every resource lands once. Validation stays on; urn:uuid references are rewritten to
the ids assigned, as a transaction would.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.db import transaction

from benhan.core.models import ImportCheckpoint

from .errors import FhirError, Issue
from .repository import Repository, validate
from .store import new_id

SUFFIXES = (".json", ".ndjson")
# A bundle-local identifier (fullUrl) that references inside the same bundle may point to.
_LOCAL_REF = re.compile(rb'"(urn:(?:uuid|oid):[^"\\]+)"')


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
    problems: list[str] = field(default_factory=list)

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
    local: dict[bytes, bytes] = {}
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
            local[full_url.encode()] = f"{resource.get('resourceType')}/{rid}".encode()
    if local:
        # The FHIR rule: every string equal to a bundle-local fullUrl becomes the assigned reference.
        # Rewriting the bytes and parsing again is far faster than walking every resource in Python.
        raw = _LOCAL_REF.sub(lambda m: b'"' + local.get(m.group(1), m.group(1)) + b'"', raw)
        entries = [e for e in orjson.loads(raw).get("entry") or [] if isinstance(e, dict)]
    resources = [e["resource"] for e in entries]
    return Chunk(0, resources, ids, atomic=kind == "transaction", upsert=upsert, size=size)


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

    def run(self, files: list[Path]) -> Report:
        started = time.perf_counter()
        for path in files:
            self.import_file(path)
        self.report.seconds = time.perf_counter() - started
        return self.report

    def import_file(self, path: Path) -> None:
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        done = dict(ImportCheckpoint.objects.filter(file_sha256=sha).values_list("offset", "resources"))
        self.report.files += 1
        try:
            chunks = ndjson_chunks(raw, self.chunk_lines) if path.name.endswith(".ndjson") else iter([bundle_chunk(raw)])
            for chunk in chunks:
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
        for i, resource in enumerate(resources):
            errors = [x for x in validate(resource) if x.severity in ("error", "fatal")]
            if errors:
                where = resource.get("resourceType", "?") if isinstance(resource, dict) else "?"
                problems.append(f"{path} #{chunk.offset + i} ({where}): " + "; ".join(x.diagnostics for x in errors[:3]))
            else:
                keep.append(i)
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
        self.report.resources += len(resources)
        self.on_progress(chunk.size, len(resources))
