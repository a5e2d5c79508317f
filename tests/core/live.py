"""Real `benhan` processes against a database of their own, for tests that kill and restart them.

`live_db` copies the already-migrated pytest database (PostgreSQL: CREATE DATABASE …
TEMPLATE; SQLite: the backup API), which is much faster than migrating anew, and drops it after.
`running_server` starts `benhan serve` in its own process group so a test can SIGKILL the whole
server (supervisor and workers) at once.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

BENHAN = str(Path(sys.executable).parent / "benhan")


@pytest.fixture(scope="session", name="migrated_template")
def migrated_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per test process, copied for each test that needs a live server.

    It does not come from pytest-django's test database: a copy needs no session on its source,
    and pytest-django's flush after each transactional test costs more than migrating once here.
    """
    url = os.environ.get("BENHAN_DATABASE_URL", "")
    if url.startswith("postgres"):
        name = f"benhan_live_tpl_{os.getpid()}"
        admin = _with_database(url, "postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        template = _with_database(url, name)
        try:
            benhan(template, "migrate", "--no-input", "-v0", timeout=300)
            yield template
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        template = f"sqlite:///{tmp_path_factory.mktemp('live') / 'template.sqlite3'}"
        benhan(template, "migrate", "--no-input", "-v0", timeout=300)
        yield template


@pytest.fixture(name="live_db")
def live_db_fixture(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database of this test's own (PostgreSQL or SQLite, as the test run), dropped after."""
    if migrated_template.startswith("postgres"):
        name = f"benhan_live_{uuid.uuid4().hex[:10]}"
        template = migrated_template.rsplit("/", 1)[1]
        admin = _with_database(migrated_template, "postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        try:
            yield _with_database(migrated_template, name)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        target = tmp_path / "live.sqlite3"
        with sqlite3.connect(migrated_template[len("sqlite:///"):]) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        yield f"sqlite:///{target}"


def _with_database(url: str, name: str) -> str:
    """The same server URL naming another database (query string, if any, dropped)."""
    return url.split("?", 1)[0].rsplit("/", 1)[0] + f"/{name}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def benhan(database_url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a `benhan` command against the database; raises with its output when it fails."""
    done = subprocess.run([BENHAN, *args], env=_env(database_url), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"benhan {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def _env(database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "BENHAN_DATABASE_URL": database_url, "BENHAN_LOG_LEVEL": "WARNING", **extra}


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def kill(self) -> None:
        """SIGKILL the supervisor and every worker: no cleanup runs, as in a power cut."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@contextmanager
def running_server(database_url: str, log: Path, *, workers: int = 1, collectstatic: bool = False,
                   **env: str) -> Iterator[Server]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [BENHAN, "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as out:
        process = subprocess.Popen(
            args if collectstatic else [*args, "--no-collectstatic"],
            env=_env(database_url, BENHAN_BASE_URL=base, **env),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(process, base, log)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_until_serving(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"benhan serve exited with {server.process.returncode}:\n{server.log.read_text()}")
        try:
            if httpx.get(f"{server.base}/fhir/metadata", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"benhan serve did not answer in {timeout} s:\n{server.log.read_text()}")


def system_token(database_url: str, base: str) -> str:
    """A client-credentials token with every system scope, from the server's own /oauth2/token."""
    out = benhan(database_url, "client", "create", "--name", f"live-{uuid.uuid4().hex[:6]}", "--scope", "system/*.*").stdout
    client_id = re.search(r"client_id: (\S+)", out)
    secret = re.search(r"client_secret: (\S+)", out)
    assert client_id and secret, out
    answer = httpx.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials", "scope": "system/*.*"},
                        auth=(client_id.group(1), secret.group(1)), timeout=30)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def query(database_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the live database directly (not through the server under test)."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url[len("sqlite:///"):]) as conn:
            return list(conn.execute(sql.replace("%s", "?"), params).fetchall())
    with psycopg.connect(database_url) as conn:
        return list(conn.execute(sql, params).fetchall())
