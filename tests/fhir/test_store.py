"""How the store stamps what it writes: id and meta first, everything else as sent."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from benhan.fhir import store
from benhan.fhir.errors import FhirError


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


def _version_contents(resource_id: str) -> dict[int, str | None]:
    from benhan.fhir.models import ResourceVersionRow

    return dict(ResourceVersionRow.objects.filter(resource_id=resource_id).values_list("version_id", "content"))


@pytest.mark.django_db
def test_each_version_reads_back_its_own_bytes_while_only_the_resource_row_stores_the_latest() -> None:
    patient = {"resourceType": "Patient", "name": [{"family": "Nguyễn"}]}
    v1 = store.create(dict(patient), "00001", "p1")
    assert _version_contents("p1") == {1: None}  # stored once, in the resource row
    v2, _ = store.update(patient | {"gender": "female"}, "00001", "p1")
    assert _version_contents("p1") == {1: v1.content, 2: None}
    v3 = store.delete("Patient", "p1")
    assert v3 is not None
    # A delete keeps the resource row's bytes, so version 2 still reads them there.
    assert _version_contents("p1") == {1: v1.content, 2: None, 3: ""}
    v4, _ = store.update(patient | {"gender": "male"}, "00001", "p1")
    assert _version_contents("p1") == {1: v1.content, 2: v2.content, 3: "", 4: None}
    for stored in (v1, v2, v4):
        assert store.vread("Patient", "p1", stored.version_id).content == stored.content
    with pytest.raises(FhirError) as gone:
        store.vread("Patient", "p1", 3)
    assert gone.value.status == 410
    history, total = store.history("Patient", "p1")
    assert total == 4
    assert [s.content for s in history] == [v4.content, "", v2.content, v1.content]


@pytest.mark.django_db
def test_a_bulk_write_stores_each_resource_once_and_an_upsert_keeps_the_replaced_bytes() -> None:
    (first,) = store.write_many([{"resourceType": "Patient", "gender": "male"}], "00001", ["bulk"])
    assert _version_contents("bulk") == {1: None}
    (second,) = store.write_many([{"resourceType": "Patient", "gender": "female"}], "00001", ["bulk"], upsert=True)
    assert _version_contents("bulk") == {1: first.content, 2: None}
    assert [s.content for s in store.history("Patient", "bulk")[0]] == [second.content, first.content]


@pytest.mark.django_db
def test_versions_of_a_resource_are_found_by_its_own_type_and_id_only() -> None:
    store.create({"resourceType": "Patient"}, "00001", "same")
    store.create({"resourceType": "Group", "type": "person", "actual": True}, "00001", "same")
    assert store.vread("Group", "same", 1).resource_type == "Group"
    assert [s.resource_type for s in store.history("Patient", "same")[0]] == ["Patient"]
    with pytest.raises(FhirError) as unknown:
        store.vread("Practitioner", "same", 1)
    assert unknown.value.status == 404
