"""The FHIR resources that make a signed document part of the record: Binary, DocumentReference, Provenance."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from ..accounts.models import Facility, User
from .kinds import Kind

BENHAN = "https://benhan.vn/fhir"
KIND_SYSTEM = f"{BENHAN}/CodeSystem/loai-giay-to"
SHA256_EXTENSION = f"{BENHAN}/StructureDefinition/attachment-sha256"
CORRECTION_REASON_EXTENSION = f"{BENHAN}/StructureDefinition/ly-do-dinh-chinh"
CSKCB_SYSTEM = "http://fhir.hl7.org.vn/core/sid/ma-cskcb"
CCHN_SYSTEM = "http://fhir.hl7.org.vn/core/sid/cchn"
# ASTM E1762 signature type "Author's Signature", the one FHIR R4 examples use.
AUTHOR_SIGNATURE = {"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1",
                    "display": "Author's Signature"}


def instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def person_name(user: User) -> str:
    """Vietnamese order: family name (họ) first, then middle and given names."""
    return " ".join(p for p in (user.last_name.strip(), user.first_name.strip()) if p) or user.username


def practitioner_ref(user: User) -> dict[str, Any]:
    """The signer as a FHIR reference: their Practitioner when known, else a logical reference by licence."""
    display = person_name(user)
    if user.practitioner_id:
        return {"reference": f"Practitioner/{user.practitioner_id}", "display": display}
    ident = {"system": CCHN_SYSTEM, "value": user.licence_number} if user.licence_number else {
        "system": f"{BENHAN}/sid/user", "value": user.username}
    return {"identifier": ident, "display": display}


def organization_ref(facility: Facility | None, code: str) -> dict[str, Any]:
    if facility is not None and facility.organization_id:
        return {"reference": f"Organization/{facility.organization_id}", "display": facility.name}
    return {"identifier": {"system": CSKCB_SYSTEM, "value": code}, **({"display": facility.name} if facility else {})}


def binary(pdf: bytes, patient_ref: str) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Binary", "contentType": "application/pdf",
                                "data": base64.b64encode(pdf).decode()}
    if patient_ref:
        resource["securityContext"] = {"reference": patient_ref}
    return resource


def document_reference(*, doc_id: str, kind: Kind, pdf: bytes, binary_id: str, patient_ref: str,
                       signer: User, facility: Facility | None, facility_code: str, signed_at: datetime,
                       subject_refs: list[str], replaces_id: str = "", reason: str = "") -> dict[str, Any]:
    encounter_refs = [r for r in subject_refs if r.startswith("Encounter/")]
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{doc_id}"},
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [{"system": "http://loinc.org", "code": kind.loinc, "display": kind.loinc_display}],
                 "text": kind.title},
        "category": [{"coding": [{"system": KIND_SYSTEM, "code": kind.code, "display": kind.title}]}],
        "date": instant(signed_at),
        "author": [practitioner_ref(signer)],
        "authenticator": practitioner_ref(signer),
        "custodian": organization_ref(facility, facility_code),
        "content": [{
            "attachment": {
                "contentType": "application/pdf",
                "language": "vi",
                "url": f"Binary/{binary_id}",
                "size": len(pdf),
                # FHIR R4 defines Attachment.hash as SHA-1; SHA-256 rides along for verification.
                "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode(),
                "title": f"{kind.title}.pdf",
                "creation": instant(signed_at),
                "extension": [{"url": SHA256_EXTENSION, "valueString": hashlib.sha256(pdf).hexdigest()}],
            },
        }],
        "context": {"related": [{"reference": r} for r in subject_refs if r != patient_ref]},
    }
    if patient_ref:
        resource["subject"] = {"reference": patient_ref}
    if encounter_refs:
        resource["context"]["encounter"] = [{"reference": r} for r in encounter_refs]
    if replaces_id:
        resource["relatesTo"] = [{"code": "replaces", "target": {"reference": f"DocumentReference/{replaces_id}"}}]
        resource["description"] = f"Đính chính: {reason}"
        resource["extension"] = [{"url": CORRECTION_REASON_EXTENSION, "valueString": reason}]
    return resource


def provenance(*, targets: list[str], signer: User, facility: Facility | None, facility_code: str,
               signed_at: datetime, jws: str, reason: str = "") -> dict[str, Any]:
    """Who signed which resource versions, with the detached JWS over their canonical JSON."""
    who = practitioner_ref(signer)
    resource: dict[str, Any] = {
        "resourceType": "Provenance",
        "target": [{"reference": t} for t in targets],
        "recorded": instant(signed_at),
        "activity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-DocumentCompletion",
                                 "code": "LA", "display": "legally authenticated"}]},
        "agent": [{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                 "code": "attester", "display": "Attester"}]},
            "who": who,
            "onBehalfOf": organization_ref(facility, facility_code),
        }],
        "signature": [{
            "type": [AUTHOR_SIGNATURE],
            "when": instant(signed_at),
            "who": who,
            "targetFormat": "application/fhir+json",
            "sigFormat": "application/jose",
            "data": base64.b64encode(jws.encode()).decode(),
        }],
    }
    if reason:
        resource["reason"] = [{"text": reason}]
    return resource
