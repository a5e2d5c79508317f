"""How the store stamps what it writes: id and meta first, everything else as sent."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from benhan.fhir import store


def _observation() -> dict[str, Any]:
    # Keys in an unusual order, an id and meta of its own, and meta elements the store must keep.
    return {"status": "final", "meta": {"profile": ["urn:test:profile"], "versionId": "9", "tag": [{"code": "t"}]},
            "code": {"text": "mạch"}, "id": "sent-id", "resourceType": "Observation", "valueString": "80"}


@pytest.mark.django_db
def test_every_write_path_puts_resource_type_id_and_meta_first_and_keeps_the_rest_in_the_order_sent() -> None:
    created = store.create(_observation(), "00001", "one")
    updated, _ = store.update(_observation() | {"id": "one"}, "00001", "one")
    (bulk,) = store.write_many([_observation()], "00001", ["two"])
    for stored, version in ((created, "1"), (updated, "2"), (bulk, "1")):
        content = orjson.loads(stored.content)
        assert list(content) == ["resourceType", "id", "meta", "status", "code", "valueString"]
        assert content["id"] == stored.id
        # The resource's own meta elements stay, in place; versionId is replaced where it was.
        assert list(content["meta"]) == ["profile", "versionId", "tag", "lastUpdated"]
        assert content["meta"]["versionId"] == version
        assert content["meta"]["lastUpdated"] == store.format_instant(stored.last_updated)


@pytest.mark.django_db
def test_a_bulk_write_stamps_every_resource_with_the_same_instant_it_reports() -> None:
    written = store.write_many([_observation(), {"resourceType": "Patient"}], "00001", ["a", "b"])
    instants = {orjson.loads(s.content)["meta"]["lastUpdated"] for s in written}
    assert instants == {store.format_instant(written[0].last_updated)}
    assert written[0].last_updated == written[1].last_updated
