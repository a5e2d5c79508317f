"""Detached JWS over the canonical JSON of FHIR resources (the FHIR Signature with sigFormat application/jose).

Canonical form: each resource without `meta` (the server rewrites meta on every write, and it says
nothing clinical), keys sorted, no whitespace, UTF-8; several resources are signed as one JSON array
in the order of Provenance.target. The JWS is detached (RFC 7515 appendix F): `header..signature`,
the payload being recomputed from the stored resources at verification.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwcrypto import jwk
from jwcrypto import jws as jwcrypto_jws
from jwcrypto.common import JWException

from ..pki.certs import load_pem_chain
from .keys import DigestSigner, SigningError


def canonical_json(resources: list[dict[str, Any]]) -> bytes:
    stripped = [{k: v for k, v in r.items() if k != "meta"} for r in resources]
    return orjson.dumps(stripped, option=orjson.OPT_SORT_KEYS)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _alg(cert: x509.Certificate) -> tuple[str, int]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256", 0
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256", 32
    raise SigningError("loại khóa không hỗ trợ cho JWS")


def sign_detached(payload: bytes, signer: DigestSigner, signing_time: datetime, description: str = "") -> str:
    alg, ec_size = _alg(signer.certificate)
    header = {
        "alg": alg,
        "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                for c in [signer.certificate, *signer.chain]],
        "sigT": signing_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    signing_input = f"{_b64url(orjson.dumps(header))}.{_b64url(payload)}".encode()
    signature = signer.sign_digest(hashlib.sha256(signing_input).digest(), "sha256", description)
    if ec_size:  # JWS wants the raw r||s, not DER
        r, s = decode_dss_signature(signature)
        signature = r.to_bytes(ec_size, "big") + s.to_bytes(ec_size, "big")
    protected = signing_input.split(b".", 1)[0].decode()
    return f"{protected}..{_b64url(signature)}"


@dataclass(frozen=True)
class JwsCheck:
    valid: bool
    certificates: list[x509.Certificate]
    header: dict[str, Any]
    problem: str = ""


def verify_detached(token: str, payload: bytes) -> JwsCheck:
    """Check the signature with the key of the first x5c certificate (trust in that chain is checked elsewhere)."""
    try:
        protected = token.split(".", 1)[0]
        header = orjson.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
        certs = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header.get("x5c") or []]
    except (ValueError, orjson.JSONDecodeError) as exc:
        return JwsCheck(False, [], {}, f"JWS không đọc được: {exc}")
    if not certs:
        return JwsCheck(False, [], header, "JWS không có chứng thư số (x5c)")
    try:
        obj = jwcrypto_jws.JWS()
        obj.deserialize(token)
        obj.verify(jwk.JWK.from_pyca(certs[0].public_key()), detached_payload=payload)
    except JWException as exc:
        return JwsCheck(False, certs, header, f"chữ ký JWS không khớp nội dung: {exc}")
    return JwsCheck(True, certs, header)


def chain_from_pem(pem: str) -> list[x509.Certificate]:
    return load_pem_chain(pem)
