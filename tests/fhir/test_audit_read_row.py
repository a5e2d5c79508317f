"""A read's audit row, written outside any transaction: committed on its own, in one statement on
PostgreSQL, and a refused row leaves the connection usable."""

from __future__ import annotations

import pytest
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from benhan.fhir import audit
from benhan.fhir.access import Actor
from benhan.fhir.models import AuditRow


def test_a_read_audit_row_commits_by_itself_in_one_round_trip(committed_audit: None) -> None:
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as ctx:
        audit.record(Actor.system("t"), "read", resource_type="Patient", resource_id="p1", version_id=3)
    row = AuditRow.objects.get(resource_id="p1")
    assert (row.interaction, row.action, row.version_id, row.actor_kind) == ("read", "R", "3", "system")
    if connection.vendor == "postgresql":
        assert len(ctx.captured_queries) == 1


def test_a_refused_audit_row_raises_and_leaves_the_connection_usable(committed_audit: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce column lengths")
    with pytest.raises(DataError):
        audit.record(Actor("k" * 40, "x"), "read", resource_type="Patient", resource_id="p2")
    assert not AuditRow.objects.filter(resource_id="p2").exists()
    audit.record(Actor.system("t"), "read", resource_type="Patient", resource_id="p3")
    assert AuditRow.objects.filter(resource_id="p3").exists()
