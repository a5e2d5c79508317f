"""`benhan check` reports each health problem with what to do, and fails the exit status on any."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from benhan.core import health


def test_a_migrated_database_with_sane_settings_is_ready(db: None) -> None:
    out = StringIO()
    call_command("benhan_check", stdout=out)
    text = out.getvalue()
    assert "ready to serve" in text
    for check in ("database", "migrations", "secret key", "debug", "definitions", "disk"):
        assert check in text


@override_settings(DEBUG=True)
def test_debug_on_fails_the_check(db: None) -> None:
    out = StringIO()
    with pytest.raises(CommandError, match="debug"):
        call_command("benhan_check", stdout=out)
    assert "FAIL" in out.getvalue() and "DEBUG is on" in out.getvalue()


@pytest.mark.parametrize("key", ["changeme", "django-insecure-abc", "short"])
def test_a_placeholder_or_short_secret_key_fails(key: str) -> None:
    with override_settings(SECRET_KEY=key):
        assert health.secret_key()[0].status == health.FAIL


def test_a_long_random_secret_key_passes() -> None:
    with override_settings(SECRET_KEY="x7" * 30):
        assert health.secret_key()[0].status == health.OK


def test_missing_or_corrupt_definition_tables_fail(tmp_path: Path) -> None:
    found = health.definitions(tmp_path)
    assert found[0].status == health.FAIL and "missing" in found[0].message
    for name in health.DEFINITIONS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"not json")
    assert "unreadable" in health.definitions(tmp_path)[0].message


def test_the_shipped_definition_tables_pass() -> None:
    assert health.definitions()[0].status == health.OK


def test_unapplied_migrations_are_named(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "unapplied_migrations", lambda alias="default": ["fhir.0099_future"])
    found = health.migrations()
    assert found[0].status == health.FAIL and "fhir.0099_future" in found[0].message


def test_an_unreachable_database_fails_and_migrations_are_not_checked(db: None) -> None:
    from django.db import connection
    from django.db.utils import ConnectionHandler

    broken = {**connection.settings_dict}
    if connection.vendor == "postgresql":
        broken.update(PORT="1", NAME="nowhere")
    else:
        broken["NAME"] = "/nonexistent-dir/x.sqlite3"
    conn = ConnectionHandler({"default": broken})["default"]
    try:
        found = health.database(conn)
        assert found[0].status == health.FAIL and "cannot reach the database" in found[0].message
        assert health.migrations(conn)[0].status == health.FAIL
    finally:
        conn.close()


def test_little_free_disk_space_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(100 * health.GIB, int(99.5 * health.GIB), int(0.5 * health.GIB)))
    assert health.disk(tmp_path)[0].status == health.FAIL
