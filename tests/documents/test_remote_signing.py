from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from benhan.accounts.models import User
from benhan.documents import RemoteSigningRejected, RemoteSigningTimeout, sign_document, verify
from benhan.documents.models import SignedDocument, SigningCredential
from benhan.documents.pki.trust import add_trust_anchors
from benhan.documents.signing.credentials import enroll_remote
from benhan.documents.signing.keys import SigningError
from benhan.fhir.models import ResourceRow
from benhan.fhir.repository import Repository

from .remote_ca_standin import StandinRemoteCA


@pytest.fixture
def remote_ca(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[tuple[StandinRemoteCA, str]]:
    standin = StandinRemoteCA()
    standin.add_credential("cred-binh", "TRẦN VĂN BÌNH", "001234/HNO-CCHN")
    url = standin.start()
    monkeypatch.setenv("BENHAN_REMOTE_SIGNING_TOKEN", standin.token)
    settings.BENHAN_REMOTE_SIGNING = {"poll_interval": 0.01, "timeout": 0.5}
    yield standin, url
    standin.stop()


@pytest.fixture
def remote_credential(remote_ca: tuple[StandinRemoteCA, str], doctor: User) -> SigningCredential:
    standin, url = remote_ca
    add_trust_anchors(standin.root_pem, "Stand-in remote CA")
    return enroll_remote(doctor, url, "cred-binh")


def test_enrolment_fetches_the_certificate_from_the_remote_ca(remote_credential: SigningCredential) -> None:
    assert remote_credential.kind == "remote" and "TRẦN VĂN BÌNH" in remote_credential.subject
    assert remote_credential.key_path == ""  # the key never leaves the CA


def test_an_approved_remote_signature_is_filed_and_verifies(remote_ca: tuple[StandinRemoteCA, str], repo: Repository,
                                                            doctor: User, remote_credential: SigningCredential,
                                                            visit: dict[str, Any]) -> None:
    standin, _ = remote_ca
    standin.credentials["cred-binh"].approve_after_polls = 3  # the doctor takes a moment to approve
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    result = verify(repo, doc)
    assert result.problems == [] and result.ok
    assert result.signer_name == "TRẦN VĂN BÌNH"
    assert len(standin.transactions) == 2  # one for the PDF, one for the FHIR content
    assert all(tx["polls"] == 3 for tx in standin.transactions.values())


def test_a_rejected_request_signs_and_files_nothing(remote_ca: tuple[StandinRemoteCA, str], repo: Repository,
                                                   doctor: User, remote_credential: SigningCredential,
                                                   visit: dict[str, Any]) -> None:
    remote_ca[0].credentials["cred-binh"].behaviour = "reject"
    with pytest.raises(RemoteSigningRejected, match="từ chối"):
        sign_document(repo, doctor, "visit_record", visit["refs"])
    assert not SignedDocument.objects.exists()
    assert not ResourceRow.objects.filter(resource_type__in=["Binary", "DocumentReference", "Provenance"]).exists()


def test_an_unanswered_request_times_out(remote_ca: tuple[StandinRemoteCA, str], repo: Repository, doctor: User,
                                         remote_credential: SigningCredential, visit: dict[str, Any]) -> None:
    remote_ca[0].credentials["cred-binh"].behaviour = "never"
    with pytest.raises(RemoteSigningTimeout):
        sign_document(repo, doctor, "visit_record", visit["refs"])
    assert not SignedDocument.objects.exists()


def test_a_signature_that_does_not_match_the_certificate_is_refused(
        remote_ca: tuple[StandinRemoteCA, str], repo: Repository, doctor: User,
        remote_credential: SigningCredential, visit: dict[str, Any]) -> None:
    remote_ca[0].credentials["cred-binh"].behaviour = "wrong-key"
    with pytest.raises(SigningError, match="không khớp"):
        sign_document(repo, doctor, "visit_record", visit["refs"])


def test_a_wrong_api_token_is_reported(remote_ca: tuple[StandinRemoteCA, str], monkeypatch: pytest.MonkeyPatch,
                                       doctor: User) -> None:
    monkeypatch.setenv("BENHAN_REMOTE_SIGNING_TOKEN", "wrong")
    with pytest.raises(SigningError, match="401"):
        enroll_remote(doctor, remote_ca[1], "cred-binh")
