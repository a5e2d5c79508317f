from __future__ import annotations

import datetime as dt

import pytest

from benhan.insurance import envelope
from benhan.insurance.envelope import Dossier
from benhan.insurance.portal import BhxhPortalClient, PortalError
from benhan.insurance.standin import PortalStandIn, PortalState

XML1 = {"MA_LK": "LK0001", "STT": "1", "HO_TEN": "Trần Văn Bình"}


def _envelope(key, cert, facility: str = "01001") -> bytes:
    return envelope.sign(envelope.build(facility, [Dossier({"XML1": [XML1]})], created=dt.date(2026, 11, 25)), key, [cert])


def test_a_signed_envelope_is_accepted_with_a_transaction_id(facility_cert) -> None:
    key, cert = facility_cert
    with PortalStandIn(PortalState("01001_bhyt", "mật-khẩu", [cert])) as portal:
        client = BhxhPortalClient(portal.url, "01001_bhyt", "mật-khẩu")
        receipt = client.submit("01001", _envelope(key, cert))
        assert receipt.code == "200" and receipt.transaction_id == "GD00000001"
        sent = portal.state.received[0]["form"]
        assert sent["maTinh"] == "01" and sent["maCSKCB"] == "01001" and sent["loaiHoSo"] == "3176"
        assert portal.state.received[0]["envelope"].dossiers[0].tables["XML1"][0]["HO_TEN"] == "Trần Văn Bình"


def test_transient_portal_failures_are_retried_with_backoff(facility_cert) -> None:
    key, cert = facility_cert
    with PortalStandIn(PortalState("u", "p", [cert], fail_next=2)) as portal:
        client = BhxhPortalClient(portal.url, "u", "p", backoff_seconds=0.01)
        assert client.submit("01001", _envelope(key, cert)).code == "200"
        assert portal.state.fail_next == 0


def test_wrong_password_is_a_clear_non_retryable_error(facility_cert) -> None:
    key, cert = facility_cert
    with PortalStandIn(PortalState("u", "p", [cert])) as portal:
        client = BhxhPortalClient(portal.url, "u", "sai", backoff_seconds=0.01)
        with pytest.raises(PortalError, match="đăng nhập") as exc:
            client.submit("01001", _envelope(key, cert))
        assert not exc.value.retryable and not portal.state.received


def test_an_envelope_the_portal_cannot_verify_is_rejected(facility_cert, other_cert) -> None:
    key, cert = other_cert
    with PortalStandIn(PortalState("u", "p", [facility_cert[1]])) as portal:
        client = BhxhPortalClient(portal.url, "u", "p", backoff_seconds=0.01)
        with pytest.raises(PortalError, match="chữ ký") as exc:
            client.submit("01001", _envelope(key, cert))
        assert exc.value.code == "400"
