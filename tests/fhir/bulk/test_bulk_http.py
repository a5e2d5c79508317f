"""The bulk endpoints over HTTP: kick-off, polling, download, cancellation and who may see what."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest
from django.test import Client

from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository
from benhan.jobs.worker import Worker

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture(autouse=True)
def _var(settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def _path(url: str) -> str:
    return urlsplit(url).path


def _patient(repo: Repository) -> str:
    pid = repo.create({"resourceType": "Patient", "gender": "male"}).id
    repo.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"}})
    return pid


def test_export_kick_off_poll_download_and_delete(repo: Repository, fhir_client) -> None:
    _patient(repo)
    client: Client = fhir_client("system/*.read")
    refused = client.get("/fhir/$export")
    assert refused.status_code == 400
    kicked = client.get("/fhir/$export", {"_type": "Patient,Condition"}, headers=ASYNC)
    assert kicked.status_code == 202
    status_url = _path(kicked["Content-Location"])
    assert status_url.startswith("/fhir/bulk/")
    polling = client.get(status_url)
    assert polling.status_code == 202 and polling["X-Progress"]
    Worker("w").run(burst=True)
    done = client.get(status_url)
    assert done.status_code == 200
    manifest = orjson.loads(done.content)
    assert {o["type"] for o in manifest["output"]} == {"Patient", "Condition"}
    for item in manifest["output"]:
        fetched = client.get(_path(item["url"]))
        assert fetched.status_code == 200 and fetched["Content-Type"] == "application/fhir+ndjson"
        lines = b"".join(fetched.streaming_content).splitlines()  # type: ignore[attr-defined]
        assert len(lines) == item["count"] and orjson.loads(lines[0])["resourceType"] == item["type"]
    assert client.delete(status_url).status_code == 202
    assert client.get(status_url).status_code == 404
    assert client.get(_path(manifest["output"][0]["url"])).status_code == 404


def test_another_client_can_neither_poll_nor_download_an_export(repo: Repository, fhir_client) -> None:
    _patient(repo)
    owner: Client = fhir_client("system/*.read")
    status_url = _path(owner.get("/fhir/$export", headers=ASYNC)["Content-Location"])
    Worker("w").run(burst=True)
    file_url = _path(orjson.loads(owner.get(status_url).content)["output"][0]["url"])
    stranger: Client = fhir_client("system/*.read")
    assert stranger.get(status_url).status_code == 404
    assert stranger.get(file_url).status_code == 404
    assert stranger.delete(status_url).status_code == 404
    assert Client().get(file_url).status_code == 401
    assert owner.get(file_url).status_code == 200


def test_group_export_over_http_is_accepted_and_audited(repo: Repository, fhir_client) -> None:
    pid = _patient(repo)
    group = repo.create({"resourceType": "Group", "type": "person", "actual": True,
                         "member": [{"entity": {"reference": f"Patient/{pid}"}}]})
    client: Client = fhir_client("system/*.read")
    kicked = client.get(f"/fhir/Group/{group.id}/$export", headers=ASYNC)
    assert kicked.status_code == 202
    assert AuditRow.objects.filter(interaction="operation", resource_type="Group", resource_id=group.id,
                                   patient_id=pid).exists()
    Worker("w").run(burst=True)
    manifest = orjson.loads(client.get(_path(kicked["Content-Location"])).content)
    assert {o["type"] for o in manifest["output"]} == {"Patient", "Condition", "Group"}


def test_patient_everything_over_http_is_a_searchset_bundle(repo: Repository, fhir_client) -> None:
    pid = _patient(repo)
    response = fhir_client("system/*.read").get(f"/fhir/Patient/{pid}/$everything")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/fhir+json")
    bundle = orjson.loads(response.content)
    assert bundle["type"] == "searchset" and bundle["total"] == 2
    assert bundle["entry"][0]["resource"]["id"] == pid


def test_everything_for_another_facilitys_patient_is_403_over_http(system_actor, fhir_client) -> None:
    pid = _patient(Repository(system_actor, "00002"))
    response = fhir_client("system/*.read", facilities={"00001"}).get(f"/fhir/Patient/{pid}/$everything")
    assert response.status_code == 403


def test_a_v2_post_kick_off_with_a_parameters_body_is_accepted(repo: Repository, fhir_client) -> None:
    _patient(repo)
    client: Client = fhir_client("system/*.read")
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "_type", "valueString": "Condition"},
        {"name": "_outputFormat", "valueString": "application/fhir+ndjson"},
    ]}
    kicked = client.post("/fhir/Patient/$export", orjson.dumps(body), content_type="application/fhir+json",
                         headers=ASYNC)
    assert kicked.status_code == 202
    Worker("w").run(burst=True)
    manifest = orjson.loads(client.get(_path(kicked["Content-Location"])).content)
    assert [o["type"] for o in manifest["output"]] == ["Condition"]
    assert manifest["request"].endswith("/fhir/Patient/$export")
