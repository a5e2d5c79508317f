"""A throwaway database for a benchmark: PostgreSQL (created and dropped on the admin server) or SQLite
under var/. Call `setup_database` before django.setup(): it points BENHAN_DATABASE_URL at the new one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN = os.environ.get("BENHAN_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def setup_database(label: str, use_sqlite: bool) -> str:
    run = uuid.uuid4().hex[:6]
    if use_sqlite:
        path = ROOT / "var" / f"bench-{label}-{run}.sqlite3"
        os.environ["BENHAN_DATABASE_URL"] = f"sqlite:///{path}"
        return str(path)
    import psycopg

    name = f"benhan_bench_{label}_{run}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    os.environ["BENHAN_DATABASE_URL"] = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    return name


def drop_database(name: str, use_sqlite: bool) -> None:
    if use_sqlite:
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_in_database(label: str, use_sqlite: bool, body: Callable[[], None]) -> None:
    """Set up a throwaway database, start Django on it, run `body`, and drop the database whatever happens."""
    name = setup_database(label, use_sqlite)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
    import django

    django.setup()
    try:
        body()
    finally:
        drop_database(name, use_sqlite)
