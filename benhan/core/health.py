"""Configuration and database health, shared by `benhan check` and the start of `benhan serve`.

Each check returns Findings (ok, warn or fail, with a sentence an operator can act on) rather than
raising, so one broken thing does not hide the others.
"""

from __future__ import annotations

import gzip
import shutil
from dataclasses import dataclass
from pathlib import Path

import orjson
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

OK, WARN, FAIL = "ok", "warn", "fail"
GIB = 1024**3
# The generated FHIR tables the server cannot work without (made by scripts/, committed).
DEFINITIONS = (
    "benhan/fhir/definitions/patient_compartment.json",
    "benhan/fhir/definitions/validation.json.gz",
    "benhan/fhir/search/definitions/search_params.json",
)
# PostgreSQL 15 is what benhan is developed and measured on; 13 is the oldest still supported upstream.
PG_RECOMMENDED, PG_MINIMUM = 150000, 130000
_PLACEHOLDER_KEYS = {"", "changeme", "change-me", "secret", "dev", "test", "insecure"}


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    message: str


def database(conn: BaseDatabaseWrapper | None = None) -> list[Finding]:
    """Reachable, and which engine and version."""
    conn = conn or connections[DEFAULT_DB_ALIAS]
    try:
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute("SHOW server_version_num")
                num = int(cursor.fetchone()[0])
                cursor.execute("SHOW server_version")
                version = str(cursor.fetchone()[0]).split()[0]
            else:
                cursor.execute("SELECT sqlite_version()")
                version, num = str(cursor.fetchone()[0]), 0
    except DatabaseError as exc:
        db = conn.settings_dict
        where = f"{db.get('HOST')}:{db.get('PORT') or 5432}" if db.get("HOST") else db.get("NAME")
        return [Finding("database", FAIL, f"cannot reach the database at {where}: {' '.join(str(exc).split())}")]
    if conn.vendor != "postgresql":
        return [Finding("database", OK, f"SQLite {version} at {conn.settings_dict['NAME']} (embedded)")]
    found = [Finding("database", OK, f"PostgreSQL {version} reachable")]
    if num < PG_MINIMUM:
        found.append(Finding("postgresql", FAIL, f"PostgreSQL {version} is too old; 13 or newer is needed (15 recommended)"))
    elif num < PG_RECOMMENDED:
        found.append(Finding("postgresql", WARN, f"PostgreSQL {version} works; 15 is what benhan is tested on"))
    else:
        found.append(Finding("postgresql", OK, f"version {version}"))
    return found


def unapplied_migrations(conn: BaseDatabaseWrapper | None = None) -> list[str]:
    """`app.name` of every migration not yet applied (raises DatabaseError when unreachable)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(conn or connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, backwards in plan if not backwards]


def migrations(conn: BaseDatabaseWrapper | None = None) -> list[Finding]:
    try:
        pending = unapplied_migrations(conn)
    except DatabaseError:
        return [Finding("migrations", FAIL, "not checked: the database is unreachable")]
    if pending:
        shown = ", ".join(pending[:5]) + (" …" if len(pending) > 5 else "")
        return [Finding("migrations", FAIL, f"{len(pending)} not applied ({shown}); run `benhan migrate`")]
    return [Finding("migrations", OK, "all applied")]


def secret_key() -> list[Finding]:
    try:
        key = str(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses an empty key outright
        key = ""
    if key.strip().lower() in _PLACEHOLDER_KEYS or key.startswith("django-insecure") or len(key) < 32:
        return [Finding("secret key", FAIL, "SECRET_KEY is a placeholder or shorter than 32 characters; "
                                            "set BENHAN_SECRET_KEY to a long random value")]
    source = "BENHAN_SECRET_KEY" if _from_env("BENHAN_SECRET_KEY") else f"{settings.VAR_DIR}/secret_key"
    return [Finding("secret key", OK, f"set (from {source})")]


def _from_env(name: str) -> bool:
    import os

    return bool(os.environ.get(name))


def debug() -> list[Finding]:
    if settings.DEBUG:
        return [Finding("debug", FAIL, "DEBUG is on: error pages would show patient data; unset BENHAN_DEBUG")]
    return [Finding("debug", OK, "off")]


def definitions(base: Path | None = None) -> list[Finding]:
    """The generated FHIR tables exist and parse."""
    base = base or Path(settings.BASE_DIR)
    problems: list[str] = []
    for name in DEFINITIONS:
        path = base / name
        try:
            data = path.read_bytes()
            orjson.loads(gzip.decompress(data) if name.endswith(".gz") else data)
        except FileNotFoundError:
            problems.append(f"{name} is missing")
        except (OSError, orjson.JSONDecodeError, EOFError) as exc:
            problems.append(f"{name} is unreadable ({exc})")
    if problems:
        return [Finding("definitions", FAIL, "; ".join(problems) + " (reinstall, or run `make definitions`)")]
    return [Finding("definitions", OK, f"{len(DEFINITIONS)} generated tables present")]


def disk(var_dir: Path | None = None) -> list[Finding]:
    var_dir = var_dir or Path(settings.VAR_DIR)
    usage = shutil.disk_usage(var_dir)
    free, share = usage.free / GIB, usage.free / usage.total
    text = f"{free:.1f} GiB free in {var_dir} ({share:.0%})"
    if free < 1 or share < 0.05:
        return [Finding("disk", FAIL, text + ": the database and exports will fail to write soon")]
    if free < 5 or share < 0.10:
        return [Finding("disk", WARN, text)]
    return [Finding("disk", OK, text)]


def all_checks() -> list[Finding]:
    found: list[Finding] = []
    for check in (database, migrations, secret_key, debug, definitions, disk):
        found.extend(check())
    return found
