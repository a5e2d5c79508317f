"""Journeys 2–4 and the exchange's faults across three real servers on loopback: hub, provincial
hospital and regional center, each `benhan serve` with its own database, keys and job worker thread.

Nothing here calls the exchange in-process: messages leave through each node's outbox, delivered by
its own worker thread over HTTP, and every claim is proved by counting rows in the nodes' databases.
Every wait is bounded (tests fail, never hang).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jwcrypto import jwk

from benhan.exchange.messages import Message, seal
from benhan.exchange.referral import REFERRAL_ID_SYSTEM
from tests.core.live import migrated_template_fixture  # noqa: F401 - fixture
from tests.exchange.federation_support import (
    CENTER,
    DOCTORS,
    HOSPITAL,
    OPEN_SHARED,
    REFER,
    REGISTER,
    TREAT,
    WHO_OPENED,
    Federation,
    Node,
    federation,
    inbox_count,
    outbox_statuses,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fed(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    with federation(migrated_template, tmp_path_factory.mktemp("federation")) as running:
        yield running


@pytest.fixture(scope="module")
def tokens(fed: Federation) -> dict[str, str]:
    return {CENTER: fed.center.token(), HOSPITAL: fed.hospital.token()}


def _fhir(base: str, token: str, path: str) -> dict[str, Any]:
    answer = httpx.get(f"{base}/fhir/{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _refer(fed: Federation, patient: str, cccd: str) -> dict[str, str]:
    doctor = DOCTORS[CENTER][0]
    sent: dict[str, str] = fed.center.shell(REFER.format(doctor=doctor, code=CENTER, patient=patient, cccd=cccd,
                                                         destination=HOSPITAL))
    return sent


def _incoming(fed: Federation, token: str, referral_id: str) -> list[dict[str, Any]]:
    found = _fhir(fed.hospital.base, token, f"Task?identifier={REFERRAL_ID_SYSTEM}|{referral_id}")
    return [e["resource"] for e in found.get("entry") or ()]


def _post_inbox(base: str, tokens: list[str]) -> list[dict[str, Any]]:
    answer = httpx.post(f"{base}/exchange/inbox", json={"messages": tokens}, timeout=30)
    assert answer.status_code == 200, answer.text
    acks: list[dict[str, Any]] = answer.json()["acks"]
    return acks


def _sealed(fed: Federation, settings: Any, *, kind: str = "ping", body: dict[str, Any] | None = None,
            iat: datetime | None = None) -> tuple[str, str]:
    """A message signed with the center's own key (read from the center's key directory)."""
    settings.EXCHANGE_KEY_DIR = str(fed.center.key_dir)
    message_id = str(uuid.uuid4())
    created = (iat or datetime.now(UTC)).isoformat(timespec="seconds")
    return message_id, seal(Message(message_id, CENTER, HOSPITAL, kind, body or {"n": 1}, created))


def test_a_referral_goes_up_to_the_hospital_and_the_back_referral_completes_it_at_the_center(
        fed: Federation, tokens: dict[str, str]) -> None:
    sent = _refer(fed, "Đỗ Văn Hải", "001068012345")
    center_task = _fhir(fed.center.base, tokens[CENTER], f"Task/{sent['task']}")
    referral_id = next(i["value"] for i in center_task["identifier"] if i["system"] == REFERRAL_ID_SYSTEM)

    # The hospital's worklist (its own FHIR API, its own OAuth client) shows the referral before the patient comes.
    (incoming,) = wait_for(lambda: _incoming(fed, tokens[HOSPITAL], referral_id), timeout=60,
                           what="the referral in the hospital's worklist")
    assert incoming["status"] == "received"
    assert incoming["owner"]["identifier"]["value"] == HOSPITAL
    package = _fhir(fed.hospital.base, tokens[HOSPITAL], incoming["focus"]["reference"])
    assert package["entry"][0]["resource"]["resourceType"] == "Composition"
    wait_for(lambda: _fhir(fed.center.base, tokens[CENTER], f"Task/{sent['task']}")["status"] == "received",
             timeout=60, what="the center's Task to show the hospital received it")

    treated = fed.hospital.shell(TREAT.format(doctor=DOCTORS[HOSPITAL][0], code=HOSPITAL, task=incoming["id"]))
    assert _fhir(fed.hospital.base, tokens[HOSPITAL], f"Encounter/{treated['stay']}")["status"] == "finished"

    done = wait_for(lambda: (t := _fhir(fed.center.base, tokens[CENTER], f"Task/{sent['task']}"))["status"] == "completed"
                    and t, timeout=60, what="the center's Task to complete with the back-referral")
    back_id = done["output"][0]["valueReference"]["reference"]
    back = _fhir(fed.center.base, tokens[CENTER], back_id)
    assert back["entry"][0]["resource"]["title"] == "Giấy ra viện"
    assert any(e["resource"]["resourceType"] == "CarePlan" for e in back["entry"])

    # Counting: one package at the hospital; four status changes and one back-referral at the center.
    kinds = dict(fed.hospital.query("SELECT kind, COUNT(*) FROM exchange_inboxmessage GROUP BY kind"))
    assert kinds.get("referral.request") == 1
    kinds = dict(fed.center.query("SELECT kind, COUNT(*) FROM exchange_inboxmessage GROUP BY kind"))
    assert (kinds.get("referral.status"), kinds.get("referral.back")) == (3, 1)  # received, accepted, in-progress
    for node in (fed.center, fed.hospital):
        def drained(n: Node = node) -> bool:
            return n.count("SELECT COUNT(*) FROM exchange_outboxmessage WHERE status <> 'delivered'") == 0
        wait_for(drained, timeout=30, what=f"{node.code}'s outbox to drain")


def test_a_sealed_message_replayed_to_the_inbox_is_acknowledged_as_a_duplicate_and_applied_once(
        fed: Federation, settings: Any) -> None:
    message_id, token = _sealed(fed, settings, body={"n": 7})
    first = _post_inbox(fed.hospital.base, [token])
    again = _post_inbox(fed.hospital.base, [token, token])
    assert [a["status"] for a in first + again] == ["applied", "duplicate", "duplicate"]
    assert inbox_count(fed.hospital, [message_id]) == 1


def test_a_tampered_signature_is_refused_and_the_senders_message_is_dead_lettered_until_retried(
        fed: Federation, settings: Any, tmp_path: Path) -> None:
    message_id, token = _sealed(fed, settings, body={"n": 1})
    head, payload, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["body"]["n"] = 2
    tampered = ".".join([head, base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("="), signature])
    (ack,) = _post_inbox(fed.hospital.base, [tampered])
    assert (ack["status"], ack["permanent"]) == ("refused", True) and "signature" in ack["detail"]
    assert inbox_count(fed.hospital, [message_id]) == 0

    # The hospital's directory holds a wrong key for the center: the center's real messages fail to verify.
    rogue = tmp_path / "rogue.jwk"
    rogue.write_text(jwk.JWK.generate(kty="EC", crv="P-256", kid=CENTER).export_public())
    fed.hospital.run("exchange", "register", CENTER, fed.center.base, str(rogue))
    ids = fed.pings(fed.center, fed.hospital, 3)
    wait_for(lambda: outbox_statuses(fed.center, ids) == {"dead": 3}, timeout=60,
             what="the center's messages to be dead-lettered")
    assert inbox_count(fed.hospital, ids) == 0

    # The operator fixes the directory (sync from the hub) and sends the dead letters again.
    fed.hospital.run("exchange", "sync", fed.hub.base)
    assert "3 messages queued again" in fed.center.run("exchange", "retry", *ids)
    wait_for(lambda: outbox_statuses(fed.center, ids) == {"delivered": 3}, timeout=60,
             what="the retried messages to be delivered")
    assert inbox_count(fed.hospital, ids) == 3


def test_messages_sealed_hours_off_the_receivers_clock_are_still_applied_exactly_once(
        fed: Federation, settings: Any) -> None:
    now = datetime.now(UTC)
    sealed = [_sealed(fed, settings, body={"n": n}, iat=now + timedelta(hours=hours))
              for n, hours in enumerate((-7, 5, -30))]
    tokens = [t for _i, t in sealed]
    assert [a["status"] for a in _post_inbox(fed.hospital.base, tokens)] == ["applied"] * 3
    assert [a["status"] for a in _post_inbox(fed.hospital.base, tokens)] == ["duplicate"] * 3
    assert inbox_count(fed.hospital, [i for i, _t in sealed]) == 3


def test_the_receiver_killed_mid_delivery_and_restarted_applies_every_message_exactly_once(fed: Federation) -> None:
    n = 800
    ids = fed.pings(fed.center, fed.hospital, n)
    applied_when_killed = wait_for(lambda: inbox_count(fed.hospital, ids), timeout=60, every=0.02,
                                   what="the hospital to start applying the batch")
    fed.hospital.kill()
    assert 0 < applied_when_killed < n, "the kill must land in the middle of the delivery"
    killed_count = inbox_count(fed.hospital, ids)
    assert killed_count < n

    fed.hospital.start()
    wait_for(lambda: outbox_statuses(fed.center, ids) == {"delivered": n}, timeout=90,
             what="every message to be delivered after the restart")
    assert inbox_count(fed.hospital, ids) == n  # each exactly once: message_id is unique in the inbox
    redelivered = fed.center.count("SELECT COUNT(*) FROM exchange_outboxmessage WHERE kind = 'ping' AND attempts > 1 "
                                   "AND destination = %s", (HOSPITAL,))
    assert redelivered > 0  # the batch cut by the kill was sent again; applied ones came back as duplicates


def test_with_the_hub_down_the_nodes_keep_exchanging_and_the_hub_catches_up(
        fed: Federation, tokens: dict[str, str]) -> None:
    fed.hub.kill()
    to_hub = fed.pings(fed.center, fed.hub, 5) + fed.pings(fed.hospital, fed.hub, 5)
    between = fed.pings(fed.center, fed.hospital, 20)
    sent = _refer(fed, "Lý Thị Mai", "001068054321")
    wait_for(lambda: outbox_statuses(fed.center, between) == {"delivered": 20}, timeout=60,
             what="center → hospital while the hub is down")
    center_task = _fhir(fed.center.base, tokens[CENTER], f"Task/{sent['task']}")
    referral_id = next(i["value"] for i in center_task["identifier"] if i["system"] == REFERRAL_ID_SYSTEM)
    wait_for(lambda: _incoming(fed, tokens[HOSPITAL], referral_id), timeout=60,
             what="a referral to reach the hospital while the hub is down")
    wait_for(lambda: fed.center.count("SELECT COUNT(*) FROM exchange_outboxmessage WHERE destination = %s "
                                      "AND kind = 'ping' AND status = 'pending' AND attempts >= 2", (fed.hub.code,)) == 5,
             timeout=60, what="the center to retry the hub")
    assert inbox_count(fed.hospital, between) == 20

    fed.hub.start()
    for node, ids in ((fed.center, to_hub[:5]), (fed.hospital, to_hub[5:])):
        def caught_up(node: Node = node, ids: list[str] = ids) -> bool:
            return outbox_statuses(node, ids) == {"delivered": 5}
        wait_for(caught_up, timeout=90, what=f"{node.code} to catch up with the hub")
    assert inbox_count(fed.hub, to_hub) == 10


def _open_shared(fed: Federation, patient: str, *, consent: str = "", purpose: str = "TREAT",
                 reason: str = "") -> Any:
    return fed.center.shell(OPEN_SHARED.format(doctor=DOCTORS[CENTER][0], code=CENTER, patient=patient, consent=consent,
                                               purpose=purpose, reason=reason))


def test_patients_reach_the_hubs_index_over_http_and_a_clinician_opens_records_held_at_another_node(
        fed: Federation) -> None:
    cccd = "001159098765"
    at_center = fed.center.shell(REGISTER.format(doctor=DOCTORS[CENTER][0], code=CENTER, patient="Hoàng Thị Lan",
                                                 cccd=cccd, condition=""))["patient"]
    at_hospital = fed.hospital.shell(REGISTER.format(doctor=DOCTORS[HOSPITAL][0], code=HOSPITAL, patient="Hoàng Thị Lan",
                                                     cccd=cccd, condition="Suy tim độ III"))["patient"]
    # Each node reported its record to the hub (mpi.register through its outbox, over HTTP); the hub linked them.
    persons = wait_for(lambda: (rows := fed.hub.query("SELECT facility, patient_id, person_id FROM exchange_indexedrecord "
                                                      "WHERE cccd = %s ORDER BY facility", (cccd,))) and len(rows) == 2
                       and rows, timeout=60, what="both records in the hub's patient index")
    assert [(f, p) for f, p, _ in persons] == [(HOSPITAL, at_hospital), (CENTER, at_center)]
    assert persons[0][2] == persons[1][2]
    assert fed.hub.count("SELECT COUNT(*) FROM exchange_inboxmessage WHERE kind = 'mpi.register' AND sender IN (%s, %s)",
                         (CENTER, HOSPITAL)) >= 2

    (refused,) = _open_shared(fed, at_center)
    assert (refused["facility"], refused["status"]) == (HOSPITAL, "refused")
    (shown,) = _open_shared(fed, at_center, consent="give")
    assert shown["status"] == "shown", shown
    assert {r["meta"]["source"] for r in shown["resources"]} == {f"https://benhan.vn/fhir/facility/{HOSPITAL}"}
    assert any(r.get("code", {}).get("text") == "Suy tim độ III" for r in shown["resources"])

    assert "lý do" in _open_shared(fed, at_center, consent="revoke", purpose="ETREAT")["error"]
    (after_revoke,) = _open_shared(fed, at_center)
    assert after_revoke["status"] == "refused"
    reason = "Ngừng tim tại khoa cấp cứu, cần tiền sử"
    (emergency,) = _open_shared(fed, at_center, purpose="ETREAT", reason=reason)
    assert emergency["status"] == "shown"

    # The holding node checked and audited it itself; the patient sees the override and its reason there.
    audited = fed.hospital.query("SELECT outcome, purpose, reason FROM fhir_audit WHERE patient_id = %s "
                                 "AND actor_kind = 'node' AND interaction = 'open-shared' ORDER BY id", (at_hospital,))
    assert [(o, p) for o, p, _r in audited] == [("4", "TREAT"), ("0", "TREAT"), ("4", "TREAT"), ("0", "ETREAT")]
    assert audited[-1][2] == reason
    seen = fed.hospital.shell(WHO_OPENED.format(patient=at_hospital))
    assert any(a["reason"] == reason and "Sóc Sơn" in a["who"] for a in seen)
