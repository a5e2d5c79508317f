from __future__ import annotations

import base64
import datetime as dt

import pytest
from lxml import etree

from benhan.insurance import envelope
from benhan.insurance.envelope import Dossier, EnvelopeError
from benhan.insurance.spec import tables

XML1 = {"MA_LK": "LK0001", "STT": "1", "MA_BN": "BN01", "HO_TEN": "Nguyễn Thị Ánh", "NGAY_SINH": "196703150000",
        "T_TONGCHI_BV": "150000"}
XML2 = [{"MA_LK": "LK0001", "STT": "1", "MA_THUOC": "40.17", "TEN_THUOC": "Amlodipin 5mg", "SO_LUONG": "30"},
        {"MA_LK": "LK0001", "STT": "2", "MA_THUOC": "40.677", "TEN_THUOC": "Metformin 500mg", "SO_LUONG": "60"}]


def _signed(key, cert) -> bytes:
    env = envelope.build("01001", [Dossier({"XML1": [XML1], "XML2": XML2})], created=dt.date(2026, 11, 25))
    return envelope.sign(env, key, [cert])


def test_signed_envelope_opens_back_into_the_same_tables(facility_cert) -> None:
    key, cert = facility_cert
    opened = envelope.open_envelope(_signed(key, cert), trusted=[cert])
    assert opened.facility_code == "01001" and opened.created == "20261125"
    xml1 = opened.dossiers[0].tables["XML1"][0]
    assert xml1["HO_TEN"] == "Nguyễn Thị Ánh" and xml1["NGAY_SINH"] == "196703150000"
    assert xml1["MA_THE_BHYT"] == ""  # every field of the spec is present, empty when not given
    assert list(xml1) == list(tables()["XML1"].fields)
    assert [r["MA_THUOC"] for r in opened.dossiers[0].tables["XML2"]] == ["40.17", "40.677"]
    assert opened.signer == cert


def test_signature_sits_in_chukydonvi_with_rsa_sha256_and_the_certificate(facility_cert) -> None:
    key, cert = facility_cert
    root = etree.fromstring(_signed(key, cert))
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    sig = root.find(f"CHUKYDONVI/{ds}Signature")
    assert sig is not None
    assert sig.find(f"{ds}SignedInfo/{ds}SignatureMethod").get("Algorithm").endswith("rsa-sha256")
    assert sig.find(f"{ds}SignedInfo/{ds}Reference/{ds}DigestMethod").get("Algorithm").endswith("sha256")
    assert sig.find(f".//{ds}X509Certificate") is not None


def test_a_tampered_table_breaks_the_signature(facility_cert) -> None:
    key, cert = facility_cert
    root = etree.fromstring(_signed(key, cert))
    content = root.find("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO/NOIDUNGFILE")
    content.text = base64.b64encode(base64.b64decode(content.text).replace(b"150000", b"950000")).decode()
    with pytest.raises(EnvelopeError, match="chữ ký"):
        envelope.open_envelope(etree.tostring(root), trusted=[cert])


def test_an_envelope_signed_by_an_untrusted_key_is_refused(facility_cert, other_cert) -> None:
    key, cert = other_cert
    with pytest.raises(EnvelopeError):
        envelope.open_envelope(_signed(key, cert), trusted=[facility_cert[1]])


def test_round_trip_envelope_tables_envelope_gives_the_same_tables(facility_cert) -> None:
    key, cert = facility_cert
    first = envelope.open_envelope(_signed(key, cert), trusted=[cert])
    again = envelope.sign(envelope.build("01001", first.dossiers, created=dt.date(2026, 11, 25)), key, [cert])
    second = envelope.open_envelope(again, trusted=[cert])
    assert second.dossiers == first.dossiers
