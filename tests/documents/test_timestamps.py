from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from benhan.accounts.models import User
from benhan.documents import sign_document, verify
from benhan.documents.models import SigningCredential
from benhan.documents.pki.trust import add_trust_anchors
from benhan.fhir.repository import Repository

from .tsa_standin import StandinTSA


@pytest.fixture
def tsa(settings: Any) -> Iterator[StandinTSA]:
    standin = StandinTSA()
    settings.BENHAN_TSA_URL = standin.start()
    yield standin
    standin.stop()


def test_with_a_timestamp_authority_the_signature_is_pades_b_t_and_verifies(
        tsa: StandinTSA, repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    add_trust_anchors(tsa.root_pem, "TSA thử")
    doc = sign_document(repo, doctor, "lab_report", visit["refs"])
    assert tsa.requests >= 1  # pyhanko also asks once to size the token
    result = verify(repo, doc)
    assert result.problems == [] and result.ok
    assert result.timestamp is not None and result.timestamp_trusted
    assert abs((result.timestamp - datetime.now(UTC)).total_seconds()) < 60


def test_a_timestamp_from_an_untrusted_authority_is_reported(
        tsa: StandinTSA, repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "lab_report", visit["refs"])
    result = verify(repo, doc)
    assert result.timestamp is not None and not result.timestamp_trusted
    assert any("dấu thời gian" in p for p in result.problems)
