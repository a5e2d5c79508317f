from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

from pypdf import PdfReader

from benhan.accounts.models import User
from benhan.documents import sign_document, verify
from benhan.documents.models import SigningCredential
from benhan.fhir.repository import Repository


def test_a_signed_visit_record_verifies(repo: Repository, doctor: User, credential: SigningCredential,
                                        visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    result = verify(repo, doc)
    assert result.problems == []
    assert result.ok
    assert result.signer_name == "Trần Văn Bình"
    pdf = base64.b64decode(repo.read("Binary", doc.binary_id).json()["data"])
    text = PdfReader(BytesIO(pdf)).pages[0].extract_text()
    assert "PHIẾU KHÁM BỆNH" in text
