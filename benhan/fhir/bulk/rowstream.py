"""Stream the rows of a `values_list` queryset in chunks, in constant memory, as fast as the database sends it.

On PostgreSQL a worker reads through its own connection: a server-side cursor inside one
read-only REPEATABLE READ transaction (one snapshot for the whole export). Django's own
`iterator()` would declare the cursor WITH HOLD outside a transaction, which makes PostgreSQL
materialise the whole result first (measured ~40 % slower), and a transaction on Django's connection
would hide the job's lease renewals from other workers until it ended. Inside an atomic block (tests)
or on SQLite, Django's chunked `iterator()` on the usual connection is used.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import QuerySet

ChunkReader = Callable[[QuerySet[Any]], Iterator[list[Any]]]


def _django_chunks(size: int) -> ChunkReader:
    def read(qs: QuerySet[Any]) -> Iterator[list[Any]]:
        chunk: list[Any] = []
        for value in qs.iterator(chunk_size=size):
            chunk.append(value)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    return read


@contextmanager
def chunk_reader(size: int = 2000) -> Iterator[ChunkReader]:
    """A function turning a (non-flat) `values_list(...)` queryset into lists of row tuples."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield _django_chunks(size)
        return
    import psycopg

    connection.ensure_connection()
    own = psycopg.connect(**connection.get_connection_params())
    try:
        own.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        own.read_only = True

        def read(qs: QuerySet[Any]) -> Iterator[list[Any]]:
            sql, params = qs.query.sql_with_params()
            with own.cursor(name=f"bulk_{uuid.uuid4().hex}") as cur:
                cur.execute(sql, params)
                while rows := cur.fetchmany(size):
                    yield rows

        yield read
    finally:
        own.rollback()
        own.close()
