from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.repository import Repository

# In CI the property tests draw the same examples every run (derandomized): a CI result then depends
# on the code alone. Locally they keep exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Every test starts in the default language (Vietnamese). The locale middleware activates a
    request's language in the thread and, as Django's does, leaves it there: in a server the next
    request activates its own, but a test after one with the English cookie would run in English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("tests")


@pytest.fixture
def repo(db: None, system_actor: Actor) -> Repository:
    """A repository acting for the test facility 00001 with every scope."""
    return Repository(system_actor, "00001")


@pytest.fixture
def make_actor():
    def _make(scopes: str = "system/*.*", facilities: set[str] | None = None, kind: str = "client",
              patient_ids: set[str] | None = None) -> Actor:
        return Actor(
            kind,
            f"test-{kind}",
            scopes=parse_scopes(scopes.split()),
            facilities=None if facilities is None else frozenset(facilities),
            patient_ids=frozenset(patient_ids or ()),
        )

    return _make


@pytest.fixture
def fhir_client(db: None):
    """A test client of /fhir holding a bearer token of a system client with these scopes and facilities.

    The token row is made directly (the OAuth2 endpoint itself is tested in tests/accounts) so that
    tests do not pay for hashing a client secret; /fhir checks it exactly as it checks issued tokens.
    """
    import secrets
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    from benhan.accounts.clients import ClientProfile

    def _make(scopes: str = "system/*.*", facilities: set[str] | None = frozenset({"00001"})) -> Client:  # type: ignore[assignment]
        app = Application.objects.create(
            name=f"test {scopes}", client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, hash_client_secret=False,
        )
        ClientProfile.objects.create(application=app, allowed_scopes=scopes,
                                     facility_codes=" ".join(sorted(facilities or ())), all_facilities=facilities is None)
        token = AccessToken.objects.create(application=app, token=secrets.token_urlsafe(24), scope=scopes,
                                           expires=timezone.now() + timedelta(hours=1))
        return Client(headers={"Authorization": f"Bearer {token.token}"})

    return _make


# --- the official FHIR package ------------------------------------------------------------------------
def ensure_fhir_package() -> Path:
    """The unpacked hl7.fhir.r4.examples@4.0.1 (fetched from the npm registry on first use): tests that
    read it run everywhere instead of being skipped where nobody fetched it."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    package = root / "build" / "fhir-r4" / "package"
    if not package.is_dir():
        subprocess.run([str(root / "scripts" / "fetch_fhir_package.sh")], check=True, capture_output=True)
    return package


def generator_output(script: str, out: Path) -> bytes:
    """What scripts/<script>.py writes to `out` from the official package: the tests compare it with
    the committed artefact."""
    import importlib.util

    ensure_fhir_package()
    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location(script, root / "scripts" / f"{script}.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.main([str(out)]) == 0
    return out.read_bytes()


# --- tests that commit ------------------------------------------------------------------------------
def clear_audit_trail() -> None:
    """Tests that commit (live server, threads) leave audit rows, and fhir_audit refuses DELETE
    (append-only triggers): lift the triggers just long enough to empty it, so the flush after the
    test succeeds, then put them back."""
    import importlib

    from django.db import connection

    guard = importlib.import_module("benhan.fhir.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(guard.PG_DOWN)
            cursor.execute("DELETE FROM fhir_audit")
            cursor.execute(guard.PG_UP)
        else:
            for sql in guard.SQLITE_DOWN:
                cursor.execute(sql)
            cursor.execute("DELETE FROM fhir_audit")
            for sql in guard.SQLITE_UP:
                cursor.execute(sql)


@pytest.fixture
def committed_audit(transactional_db: None) -> Iterator[None]:
    """A transactional test whose audit rows are cleared afterwards (see clear_audit_trail)."""
    yield
    clear_audit_trail()


# --- browser tests -----------------------------------------------------------------------------------
# Playwright's sync API keeps an event loop on the test thread; Django's ORM refuses to run beside a
# running loop unless told the calls really are synchronous (they are: one test thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium per test process, shared by every browser test: a second Playwright
    instance cannot start beside the first one's event loop."""
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed (make test-browser-deps)")
    # After a click the next page may still be arriving: assertions on a page go through expect(),
    # which retries until it holds, and may wait as long as an action (a busy CI machine is slow).
    expect.set_options(timeout=60_000)
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()
