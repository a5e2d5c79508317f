"""FHIR R4 Subscriptions (rest-hook) on the exchange outbox, against a local HTTP receiver: created
through the FHIR API, activated, notified in the write's transaction, delivered at least once with
the outbox's backoff, held in error after repeated failures, and resumed with nothing lost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from benhan.exchange import outbox
from benhan.exchange.models import OutboxMessage
from benhan.fhir.access import Actor
from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository
from benhan.jobs.worker import Worker
from benhan.subscriptions.models import Registration
from benhan.subscriptions.spec import HANDSHAKE, PAYLOAD_CONTENT

from .receiver import Receiver

SCOPES = "system/Subscription.* system/Observation.*"
GLUCOSE = "http://loinc.org|2345-7"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().up()
    yield running
    running.down()


@pytest.fixture
def api(fhir_client: Any, settings: Any) -> Any:
    settings.BENHAN_BASE_URL = "http://benhan.test"
    settings.BENHAN_EXCHANGE_MAX_BACKOFF = 30.0
    settings.BENHAN_SUBSCRIPTION_MAX_FAILURES = 4
    return fhir_client(SCOPES)


def _subscription(endpoint: str, *, payload: str | None = "application/fhir+json", content: str = "",
                  headers: list[str] | None = None, handshake: bool = False, criteria: str = f"Observation?code={GLUCOSE}",
                  status: str = "requested") -> dict[str, Any]:
    channel: dict[str, Any] = {"type": "rest-hook", "endpoint": endpoint}
    if payload:
        channel["payload"] = payload
    if content:
        channel["_payload"] = {"extension": [{"url": PAYLOAD_CONTENT, "valueCode": content}]}
    if headers:
        channel["header"] = headers
    resource: dict[str, Any] = {"resourceType": "Subscription", "status": status, "reason": "Theo dõi đường huyết",
                                "criteria": criteria, "channel": channel}
    if handshake:
        resource["extension"] = [{"url": HANDSHAKE, "valueBoolean": True}]
    return resource


def _create(api: Any, resource: dict[str, Any]) -> str:
    answer = api.post("/fhir/Subscription", json.dumps(resource), content_type="application/fhir+json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "requested"
    return str(answer.json()["id"])


def _activate(api: Any, subscription_id: str) -> dict[str, Any]:
    while Worker(kinds=["subscriptions.activate"]).run_one() is not None:
        pass
    result: dict[str, Any] = api.get(f"/fhir/Subscription/{subscription_id}").json()
    return result


def _observation(api: Any, code: str = "2345-7", value: float = 8.2) -> str:
    body = {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "unit": "mmol/L"}}
    answer = api.post("/fhir/Observation", json.dumps(body), content_type="application/fhir+json")
    assert answer.status_code == 201, answer.content
    return str(answer.json()["id"])


def _deliver(now: Any = None) -> outbox.DeliveryReport:
    total = outbox.DeliveryReport()
    while True:
        report = outbox.deliver_due(now=now)
        total.delivered += report.delivered
        total.retried += report.retried
        total.dead += report.dead
        if not report.delivered:
            return total


def test_a_subscription_created_through_the_api_is_activated_and_matching_writes_are_put_to_the_endpoint(
        api: Any, receiver: Receiver) -> None:
    subscription = _create(api, _subscription(receiver.url, headers=["Authorization: Bearer sub-secret"]))
    assert _activate(api, subscription)["status"] == "active"
    glucose = _observation(api)
    _observation(api, code="2160-0")  # creatinine: not in the criteria
    assert OutboxMessage.objects.filter(destination=f"sub:{subscription}").count() == 1  # written with the Observation
    assert _deliver().delivered == 1
    (put,) = receiver.received
    assert (put.method, put.path) == ("PUT", f"/hook/Observation/{glucose}")
    assert put.headers["Authorization"] == "Bearer sub-secret"
    assert json.loads(put.body)["valueQuantity"]["value"] == 8.2
    # The resource was read for the subscriber through the repository, as its creator, and audited.
    assert AuditRow.objects.filter(interaction="vread", resource_type="Observation", resource_id=glucose,
                                   actor_kind="client").count() == 1


def test_empty_and_id_only_payloads_post_to_the_endpoint_without_the_resource(api: Any, receiver: Receiver) -> None:
    empty = _create(api, _subscription(receiver.url, payload=None))
    ids = _create(api, _subscription(receiver.url, payload="application/fhir+json", content="id-only"))
    _activate(api, empty)
    _activate(api, ids)
    glucose = _observation(api)
    _deliver()
    bodies = sorted((r.method, r.path, r.body) for r in receiver.received)
    assert [(m, p) for m, p, _b in bodies] == [("POST", "/hook"), ("POST", "/hook")]
    assert b"" in [b for _m, _p, b in bodies]
    bundle = json.loads(next(b for _m, _p, b in bodies if b))
    assert bundle["type"] == "history" and "resource" not in bundle["entry"][0]
    assert bundle["entry"][0]["fullUrl"] == f"http://benhan.test/fhir/Observation/{glucose}/_history/1"


def test_a_receiver_down_for_a_while_gets_every_notification_once_when_it_comes_back(api: Any, receiver: Receiver) -> None:
    subscription = _create(api, _subscription(receiver.url))
    _activate(api, subscription)
    receiver.down()
    written = [_observation(api, value=v) for v in (5.1, 6.2, 7.3)]
    now = timezone.now()
    for minute in range(3):  # three rounds while it is down: each retried, none lost, none given up
        report = _deliver(now + timedelta(minutes=minute))
        assert (report.delivered, report.retried) == (0, 3)
    assert Registration.objects.get(subscription_id=subscription).failures == 3
    assert api.get(f"/fhir/Subscription/{subscription}").json()["status"] == "active"

    receiver.up()
    assert _deliver(now + timedelta(minutes=5)).delivered == 3
    assert sorted(r.path.rsplit("/", 1)[1] for r in receiver.received) == sorted(written)
    assert Registration.objects.get(subscription_id=subscription).failures == 0
    assert not OutboxMessage.objects.filter(destination=f"sub:{subscription}").exclude(status="delivered").exists()


def test_a_subscriber_that_keeps_failing_goes_to_error_with_the_reason_and_resumes_with_nothing_lost(
        api: Any, receiver: Receiver) -> None:
    subscription = _create(api, _subscription(receiver.url))
    _activate(api, subscription)
    receiver.answer = 503
    first = _observation(api)
    now = timezone.now()
    for minute in range(4):
        _deliver(now + timedelta(minutes=minute))
    errored = api.get(f"/fhir/Subscription/{subscription}").json()
    assert errored["status"] == "error" and "HTTP 503" in errored["error"]
    second = _observation(api)  # written while in error: not matched (only active ones are), nothing queued
    assert OutboxMessage.objects.filter(destination=f"sub:{subscription}", status="dead").count() == 1
    assert not OutboxMessage.objects.filter(destination=f"sub:{subscription}", body__id=second).exists()

    # The subscriber fixes its endpoint and asks again: activation resends what was held.
    receiver.answer = 200
    receiver.received.clear()
    errored["status"] = "requested"
    errored.pop("error")
    assert api.put(f"/fhir/Subscription/{subscription}", json.dumps(errored),
                   content_type="application/fhir+json").status_code == 200
    assert _activate(api, subscription)["status"] == "active"
    assert _deliver(now + timedelta(minutes=10)).delivered == 1
    assert [r.path for r in receiver.received] == [f"/hook/Observation/{first}"]


def test_a_handshake_activates_only_a_subscriber_that_answers(api: Any, receiver: Receiver) -> None:
    answering = _create(api, _subscription(receiver.url, handshake=True))
    assert _activate(api, answering)["status"] == "active"
    assert [(r.method, r.body) for r in receiver.received] == [("POST", b"")]
    silent = _create(api, _subscription("http://127.0.0.1:9/hook", handshake=True))
    refused = _activate(api, silent)
    assert refused["status"] == "error" and "handshake failed" in refused["error"]


def test_a_write_that_rolls_back_sends_nothing(api: Any, receiver: Receiver) -> None:
    subscription = _create(api, _subscription(receiver.url))
    _activate(api, subscription)
    repo = Repository(Actor.system("test"), "00001")
    with pytest.raises(RuntimeError), repo.atomic():
        repo.create({"resourceType": "Observation", "status": "final",
                     "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]}})
        raise RuntimeError("the rest of the step failed")
    assert not OutboxMessage.objects.filter(destination=f"sub:{subscription}").exists()


def test_bad_subscriptions_are_refused_with_the_path_of_the_fault(api: Any, receiver: Receiver) -> None:
    for resource, path in ((_subscription(receiver.url, criteria="Nothing?x=1"), "Subscription.criteria"),
                           (_subscription("ftp://example.org/hook"), "Subscription.channel.endpoint"),
                           (_subscription(receiver.url, payload="text/plain"), "Subscription.channel.payload"),
                           (_subscription(receiver.url, headers=["no colon here"]), "Subscription.channel.header[0]")):
        answer = api.post("/fhir/Subscription", json.dumps(resource), content_type="application/fhir+json")
        assert answer.status_code == 422, (path, answer.content)
        assert answer.json()["issue"][0]["expression"] == [path]
    email = _subscription(receiver.url)
    email["channel"]["type"] = "email"
    assert api.post("/fhir/Subscription", json.dumps(email), content_type="application/fhir+json").status_code == 422
    assert not Registration.objects.exists()


def test_scopes_decide_who_subscribes_and_to_what(fhir_client: Any, receiver: Receiver) -> None:
    no_write = fhir_client("system/Observation.read system/Subscription.read")
    assert no_write.post("/fhir/Subscription", json.dumps(_subscription(receiver.url)),
                         content_type="application/fhir+json").status_code == 403
    cannot_read = fhir_client("system/Subscription.*")
    subscription = _create(cannot_read, _subscription(receiver.url))
    refused = _activate(cannot_read, subscription)
    assert refused["status"] == "error" and "may not read Observation" in refused["error"]


def test_after_its_end_a_subscription_notifies_nothing(api: Any, receiver: Receiver) -> None:
    ended = _subscription(receiver.url)
    ended["end"] = (timezone.now() - timedelta(days=1)).isoformat()
    subscription = _create(api, ended)
    _activate(api, subscription)
    _observation(api)
    assert not OutboxMessage.objects.filter(destination=f"sub:{subscription}").exists()
