"""Signed messages between facilities: delivered at least once, applied exactly once, nothing lost."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from benhan.accounts.models import Facility
from benhan.exchange import directory, outbox
from benhan.exchange.inbox import receive
from benhan.exchange.messages import Message, seal
from benhan.exchange.models import InboxMessage, Node, OutboxMessage
from benhan.fhir.models import ResourceRow


@pytest.fixture
def two_facilities(db: None, settings: Any, tmp_path: Any) -> None:
    settings.EXCHANGE_KEY_DIR = str(tmp_path / "keys")
    for code, name in (("01001", "Bệnh viện tỉnh"), ("01002", "Trung tâm Y tế khu vực")):
        Facility.objects.create(code=code, name=name)
        directory.register_hosted(code, name)


def _send(kind: str, body: dict[str, Any], destination: str = "01002") -> OutboxMessage:
    with transaction.atomic():
        return outbox.enqueue("01001", destination, kind, body)


def test_a_message_is_signed_delivered_and_applied_once(two_facilities: None) -> None:
    message = _send("ping", {"n": 1})
    report = outbox.deliver_due()
    assert report.delivered == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert InboxMessage.objects.get(message_id=message.id).result == {"pong": 1}


def test_a_redelivered_message_is_acknowledged_but_not_applied_again(two_facilities: None) -> None:
    token = seal(Message("7d6f8f0e-8d1b-4a43-9c8c-0a5c1f1f0001", "01001", "01002", "fhir.document",
                         {"bundle": {"resourceType": "Bundle", "type": "document"}}, "2026-11-25T00:00:00+00:00"))
    first, second = receive(token, hosted={"01002"}), receive(token, hosted={"01002"})
    assert (first.status, second.status) == ("applied", "duplicate")
    assert ResourceRow.objects.filter(resource_type="Bundle", tenant="01002").count() == 1


def test_a_tampered_or_unknown_sender_message_is_refused_for_good(two_facilities: None) -> None:
    token = seal(Message("7d6f8f0e-8d1b-4a43-9c8c-0a5c1f1f0002", "01001", "01002", "ping", {"n": 2}, ""))
    head, payload, sig = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["body"]["n"] = 3
    tampered = ".".join([head, base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("="), sig])
    ack = receive(tampered, hosted={"01002"})
    assert ack.status == "refused" and ack.permanent and "signature" in ack.detail
    Node.objects.filter(code="01001").delete()
    ack = receive(token, hosted={"01002"})
    assert ack.status == "refused" and "unknown sender" in ack.detail
    assert not InboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_message_is_only_sent_if_its_change_commits(two_facilities: None) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("01001", "01002", "ping", {"n": 4})
        raise RuntimeError("the change fails")
    assert not OutboxMessage.objects.exists()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.enqueue("01001", "01002", "ping", {"n": 5})


def test_an_unreachable_node_gets_retries_with_backoff_then_catches_up(two_facilities: None) -> None:
    Node.objects.filter(code="01002").update(base_url="http://127.0.0.1:9")  # nothing listens there
    for n in range(20):
        _send("ping", {"n": n})
    now = timezone.now()
    report = outbox.deliver_due(now=now)
    assert report.retried == 20 and report.delivered == 0
    assert OutboxMessage.objects.filter(attempts=1, status="pending").count() == 20
    assert outbox.deliver_due(now=now + timedelta(seconds=0.1)).retried == 0  # not due yet: backing off
    assert outbox.deliver_due(now=now + timedelta(seconds=1)).retried == 20  # due again: second attempt
    Node.objects.filter(code="01002").update(base_url="")  # back (hosted here)
    later = now + timedelta(seconds=outbox.max_backoff() + 1)  # however long it was down, within the cap
    assert outbox.deliver_due(now=later).delivered == 20
    assert InboxMessage.objects.count() == 20


def test_over_http_the_inbox_acknowledges_each_message(two_facilities: None, live_server: Any) -> None:
    Node.objects.filter(code="01002").update(base_url=live_server.url)
    sent = [_send("ping", {"n": n}) for n in range(3)]
    bad = _send("no-such-kind", {})
    report = outbox.deliver_due()
    assert (report.delivered, report.dead) == (3, 1)
    assert OutboxMessage.objects.get(pk=bad.pk).status == OutboxMessage.Status.DEAD
    assert set(InboxMessage.objects.values_list("message_id", flat=True)) == {m.id for m in sent}


def test_the_job_worker_delivers_the_outbox(two_facilities: None) -> None:
    from benhan.jobs.models import Job
    from benhan.jobs.worker import Worker

    sent = _send("ping", {"n": 9})
    assert Job.objects.filter(kind="exchange.deliver", status="queued").count() == 1
    Worker(kinds=["exchange.deliver"]).run(burst=True)
    sent.refresh_from_db()
    assert sent.status == OutboxMessage.Status.DELIVERED
