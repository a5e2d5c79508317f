"""Load the shared Synthea transaction bundles into the store, for tests and benchmarks.

Synthea links entries by `urn:uuid:` fullUrls; each entry is stored under its uuid as id and the
links are rewritten to `Type/uuid`, as a transaction would resolve them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from benhan.fhir import store
from benhan.fhir.repository import Repository
from tests.shared_data import SYNTHEA as SYNTHEA_DIR

SHARED_TYPES = frozenset({"Practitioner", "PractitionerRole", "Organization", "Location", "Medication"})
_URN = re.compile(rb'"urn:uuid:([0-9a-f\-]{36})"')


def bundle_paths() -> list[Path]:
    return sorted(SYNTHEA_DIR.glob("*.json"))


def resources_of(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    bundle = orjson.loads(raw)
    types = {e["fullUrl"][len("urn:uuid:"):]: e["resource"]["resourceType"] for e in bundle["entry"]}
    raw = _URN.sub(lambda m: b'"%s/%s"' % (types[m.group(1).decode()].encode(), m.group(1))
                   if m.group(1).decode() in types else m.group(0), raw)
    ids = [e["fullUrl"][len("urn:uuid:"):] for e in bundle["entry"]]
    out = []
    for rid, entry in zip(ids, orjson.loads(raw)["entry"], strict=True):
        resource = entry["resource"]
        resource["id"] = rid
        out.append(resource)
    return out


def load(repo: Repository, path: Path) -> str:
    """Store one bundle's resources in one bulk write; returns the Patient id."""
    resources = []
    for resource in resources_of(path):
        # Practitioners and organizations recur across bundles under the same uuid (conditional creates).
        if resource["resourceType"] in SHARED_TYPES and store.current(resource["resourceType"], resource["id"]):
            continue
        resources.append(resource)
    repo.create_many(resources, ids=[r["id"] for r in resources], validated=True)
    return next(r["id"] for r in resources if r["resourceType"] == "Patient")


def largest_bundle_near(count: int) -> Path:
    """The bundle whose resource count is closest to `count` (the benchmark's ~300-resource patient)."""
    return min(bundle_paths(), key=lambda p: abs(len(orjson.loads(p.read_bytes())["entry"]) - count))
