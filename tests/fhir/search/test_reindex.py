"""`benhan reindex` rebuilds index rows from stored resources, and the indexer's batch path."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db import connection

from benhan.fhir import store
from benhan.fhir.repository import Repository
from benhan.fhir.search.indexer import TABLES

from .conftest import Find


def _count_rows() -> int:
    with connection.cursor() as cursor:
        total = 0
        for table in TABLES.values():
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            total += cursor.fetchone()[0]
        return total


def test_reindex_restores_a_lost_index(repo: Repository, find: Find) -> None:
    pid = repo.create({"resourceType": "Patient", "name": [{"family": "Võ"}], "birthDate": "1990-02-03"}).id
    deleted = repo.create({"resourceType": "Patient", "name": [{"family": "Võ"}]}).id
    repo.delete("Patient", deleted)
    before = _count_rows()
    with connection.cursor() as cursor:
        for table in TABLES.values():
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    assert find("Patient", "name=vo") == []
    out = StringIO()
    call_command("reindex", stdout=out)
    assert "search index: 1 resources" in out.getvalue()
    assert find("Patient", "name=vo") == [pid]
    assert _count_rows() == before


def test_many_writes_in_one_store_call_are_indexed_together(repo: Repository, find: Find) -> None:
    stored = store.write_many([{"resourceType": "Patient", "name": [{"family": f"Hồ{i}"}]} for i in range(30)], "00001")
    assert len(find("Patient", "family=ho&_count=100")) == 30
    assert find("Patient", "family=ho7") == [stored[7].id]
