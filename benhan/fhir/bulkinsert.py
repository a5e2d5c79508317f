"""Many rows into one table in one round trip: COPY on PostgreSQL, executemany on SQLite.

The ORM's bulk_create builds a model instance and a parameter list per row; for the write path of
an import that overhead is most of the time (measured in benchmarks/ingest.py). These helpers take
plain tuples and hand them to the driver, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection


def allocate_ids(table: str, count: int) -> list[int]:
    """Reserve `count` primary keys for rows the caller will insert with explicit ids.

    PostgreSQL draws them from the column's sequence (safe under concurrency). SQLite has one writer
    at a time (IMMEDIATE transactions hold the write lock), so the next free ids after both the
    table's maximum and its AUTOINCREMENT counter cannot be taken by anyone else before we commit.
    """
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM {table} "  # noqa: S608 - table names are ours
            "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        top = cursor.fetchone()[0] or 0
        return list(range(top + 1, top + 1 + count))


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows (tuples in `columns` order). A unique violation surfaces as Django's IntegrityError."""
    if not rows:
        return
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        raw = connection.connection
        try:
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        return
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
