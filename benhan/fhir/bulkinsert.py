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


try:  # psycopg's own row formatter (C with psycopg[binary]), the one Copy.write_row calls
    from psycopg._copy_base import format_row_text as _format_row_text
except ImportError:  # a psycopg that moved it: write_row below, same bytes, a little slower
    _format_row_text = None

_FLUSH = 32 * 1024  # psycopg's own buffer size: blocks of this size go to libpq without being split


def _write_text_rows(copy: Any, rows: Sequence[Sequence[Any]]) -> None:
    """The rows as Copy.write_row would send them, formatted by the same function with the same
    transformer, in 32 kB blocks; without write_row's two Python calls per row (an import of the
    12,041 Synthea resources writes 254,000 index rows)."""
    assert _format_row_text is not None
    transformer = copy.formatter.transformer
    buffer = bytearray()
    for row in rows:
        _format_row_text(row, transformer, buffer)
        if len(buffer) > _FLUSH:
            copy.write(buffer)
            buffer = bytearray()
    if buffer:
        copy.write(buffer)


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
                if _format_row_text is None:
                    for row in rows:
                        copy.write_row(row)
                else:
                    _write_text_rows(copy, rows)
        except psycopg.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        return
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
