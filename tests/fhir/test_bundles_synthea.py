"""The 50 Synthea patients, posted as transactions through /fhir with a token from /oauth2/token.

Every resource must read back equal to what was sent, apart from its id, its meta and references
rewritten from `urn:uuid:` to the ids the server gave. The default suite sends every bundle on
SQLite and a sample on PostgreSQL (the two share the code path; PostgreSQL is the slower here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from django.test import Client

from benhan.accounts.clients import create_client
from tests.shared_data import SYNTHEA

BUNDLES = sorted(SYNTHEA.glob("*.json"))

@pytest.fixture
def api(db: None, settings) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = create_client("synthea loader", "system/*.*", ["00001"])
    response = Client().post("/oauth2/token", {"grant_type": "client_credentials", "client_id": client.client_id,
                                               "client_secret": client.client_secret})
    assert response.status_code == 200
    return Client(headers={"Authorization": f"Bearer {response.json()['access_token']}"})


def _rewrite(node: Any, mapping: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: (mapping.get(v, v) if k == "reference" and isinstance(v, str) else _rewrite(v, mapping))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, mapping) for v in node]
    return node


def _without_identity(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in ("id", "meta")}


def round_trip(api: Client, path: Path) -> int:
    raw = path.read_bytes()
    sent = orjson.loads(raw)
    response = api.post("/fhir", raw, content_type="application/fhir+json")
    assert response.status_code == 200, response.content[:2000]
    answers = response.json()["entry"]
    assert len(answers) == len(sent["entry"])
    mapping: dict[str, str] = {}
    for entry, answer in zip(sent["entry"], answers, strict=True):
        assert answer["response"]["status"] == "201 Created"
        location = answer["response"]["location"].split("/fhir/", 1)[1]
        mapping[entry["fullUrl"]] = location.split("/_history/")[0]
    reads = {"resourceType": "Bundle", "type": "batch",
             "entry": [{"request": {"method": "GET", "url": ref}} for ref in mapping.values()]}
    got = api.post("/fhir", orjson.dumps(reads), content_type="application/fhir+json").json()["entry"]
    for entry, read in zip(sent["entry"], got, strict=True):
        assert read["response"]["status"] == "200 OK"
        expected = _without_identity(_rewrite(entry["resource"], mapping))
        assert _without_identity(read["resource"]) == expected, entry["fullUrl"]
    return len(sent["entry"])


def test_every_synthea_bundle_round_trips(api: Client) -> None:
    assert len(BUNDLES) == 50
    assert sum(round_trip(api, path) for path in BUNDLES) == 12041

