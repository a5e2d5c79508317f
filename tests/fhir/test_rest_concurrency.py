"""Two clients updating the same version at once: one wins, the other gets 412, history never forks."""

from __future__ import annotations

import threading

import orjson
from django.db import connection
from django.test import Client

from benhan.fhir.models import ResourceVersionRow

FHIR_JSON = "application/fhir+json"




def test_concurrent_updates_from_the_same_version_let_exactly_one_through(committed_audit: None, fhir_client) -> None:
    api = fhir_client()
    pid = api.post("/fhir/Patient", b'{"resourceType":"Patient"}', content_type=FHIR_JSON).json()["id"]
    clients = [fhir_client(), fhir_client()]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def update(client: Client, gender: str) -> None:
        try:
            barrier.wait(timeout=10)
            body = orjson.dumps({"resourceType": "Patient", "id": pid, "gender": gender})
            response = client.put(f"/fhir/Patient/{pid}", body, content_type=FHIR_JSON, headers={"If-Match": 'W/"1"'})
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=update, args=(c, g)) for c, g in zip(clients, ("male", "female"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [200, 412]
    assert sorted(ResourceVersionRow.objects.filter(resource_id=pid).values_list("version_id", flat=True)) == [1, 2]
