"""History at instance, type and system level, with _since, _count and paging links."""

from __future__ import annotations

import orjson
import pytest
from django.test import Client

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def api(fhir_client) -> Client:
    return fhir_client()


def create(api: Client, rtype: str = "Patient") -> dict:
    body = {"resourceType": rtype} if rtype == "Patient" else {"resourceType": rtype, "name": "Trạm y tế"}
    return api.post(f"/fhir/{rtype}", orjson.dumps(body), content_type=FHIR_JSON).json()


def test_instance_history_lists_every_version_newest_first(api: Client) -> None:
    pid = create(api)["id"]
    api.put(f"/fhir/Patient/{pid}", orjson.dumps({"resourceType": "Patient", "id": pid, "gender": "male"}), content_type=FHIR_JSON)
    body = api.get(f"/fhir/Patient/{pid}/_history").json()
    assert body["type"] == "history" and body["total"] == 2
    assert [e["resource"]["meta"]["versionId"] for e in body["entry"]] == ["2", "1"]
    assert [e["request"]["method"] for e in body["entry"]] == ["PUT", "POST"]
    assert body["entry"][0]["response"]["etag"] == 'W/"2"'
    assert body["entry"][0]["fullUrl"].endswith(f"/fhir/Patient/{pid}")


def test_type_history_holds_only_that_type_and_system_history_holds_all(api: Client) -> None:
    create(api)
    create(api, "Organization")
    assert api.get("/fhir/Patient/_history").json()["total"] == 1
    assert api.get("/fhir/_history").json()["total"] == 2


def test_since_leaves_out_older_versions(api: Client) -> None:
    first = create(api)
    second = create(api)
    since = second["meta"]["lastUpdated"]
    body = api.get(f"/fhir/Patient/_history?_since={since}").json()
    ids = [e["resource"]["id"] for e in body["entry"]]
    assert second["id"] in ids and (first["id"] not in ids or first["meta"]["lastUpdated"] == since)


def test_count_pages_with_next_links_that_ignore_later_writes(api: Client) -> None:
    for _ in range(5):
        create(api)
    page = api.get("/fhir/Patient/_history?_count=2").json()
    assert page["total"] == 5 and len(page["entry"]) == 2
    seen = [e["resource"]["id"] for e in page["entry"]]
    create(api)  # a write after the first page must not shift the pages that follow
    while (link := next((lk["url"] for lk in page["link"] if lk["relation"] == "next"), None)):
        page = api.get(link.split("testserver", 1)[-1].split("127.0.0.1:8000", 1)[-1]).json()
        seen += [e["resource"]["id"] for e in page["entry"]]
    assert len(seen) == 5 and len(set(seen)) == 5


def test_a_bad_since_is_400_naming_the_parameter(api: Client) -> None:
    response = api.get("/fhir/Patient/_history?_since=yesterday")
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["_since"]


def test_history_of_a_deleted_resource_shows_the_delete_without_a_resource(api: Client) -> None:
    pid = create(api)["id"]
    api.delete(f"/fhir/Patient/{pid}")
    entry = api.get(f"/fhir/Patient/{pid}/_history").json()["entry"][0]
    assert entry["request"] == {"method": "DELETE", "url": f"Patient/{pid}"} and "resource" not in entry
