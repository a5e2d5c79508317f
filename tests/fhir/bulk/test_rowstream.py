from __future__ import annotations

from django.db import connection

from benhan.fhir import store
from benhan.fhir.bulk.rowstream import chunk_reader
from benhan.fhir.models import ResourceRow


def _rows() -> list[str]:
    return [store.create({"resourceType": "Basic", "code": {"text": f"r{i}"}}, "00001").content for i in range(7)]


def test_committed_rows_stream_in_chunks_of_the_asked_size(transactional_db: None) -> None:
    # Outside a transaction: on PostgreSQL this is the worker's own-connection server-side cursor.
    expected = _rows()
    assert not connection.in_atomic_block
    with chunk_reader(3) as read:
        chunks = list(read(ResourceRow.objects.order_by("id").values_list("content")))
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert [row[0] for c in chunks for row in c] == expected


def test_inside_a_transaction_the_reader_sees_that_transactions_rows(db: None) -> None:
    expected = _rows()
    with chunk_reader(5) as read:
        chunks = list(read(ResourceRow.objects.order_by("id").values_list("content")))
    assert [row[0] for c in chunks for row in c] == expected
