from __future__ import annotations

import pytest

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.repository import Repository


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("tests")


@pytest.fixture
def repo(db: None, system_actor: Actor) -> Repository:
    """A repository acting for the test facility 00001 with every scope."""
    return Repository(system_actor, "00001")


@pytest.fixture
def make_actor():  # type: ignore[no-untyped-def]
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
