"""The one operation every signing path needs: sign a digest with the signer's key.

PAdES (pyhanko) and the FHIR JWS both reduce to "here is a SHA-256 digest, return the signature",
which is also exactly what remote-signing CAs offer. So a local key file and a remote CA are two
implementations of one small interface, and nothing above this module knows which it is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

HASHES: dict[str, hashes.HashAlgorithm] = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


class SigningError(Exception):
    """Signing could not be done; the message is Vietnamese, for the person who tried to sign."""


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    try:
        return HASHES[name.lower().replace("-", "")]
    except KeyError as exc:
        raise SigningError(f"thuật toán băm không hỗ trợ: {name}") from exc


@dataclass
class DigestSigner(ABC):
    """A certificate and the means to sign digests with its key (RSA PKCS#1 v1.5, or ECDSA DER)."""

    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)  # issuers, leaf-most first

    @abstractmethod
    def sign_digest(self, digest: bytes, hash_name: str, description: str = "") -> bytes: ...

    @property
    def signature_size(self) -> int:
        key = self.certificate.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            return key.key_size // 8
        if isinstance(key, ec.EllipticCurvePublicKey):
            return 2 * ((key.key_size + 7) // 8) + 8  # DER overhead of (r, s)
        raise SigningError("loại khóa không hỗ trợ")


def verify_digest_signature(cert: x509.Certificate, signature: bytes, digest: bytes, hash_name: str) -> None:
    """Raise InvalidSignature unless `signature` is the certificate key's signature of `digest`."""
    algorithm = Prehashed(hash_algorithm(hash_name))
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, digest, padding.PKCS1v15(), algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, digest, ec.ECDSA(algorithm))
    else:
        raise SigningError("loại khóa không hỗ trợ")


@dataclass
class LocalKeySigner(DigestSigner):
    """A key held on this server (issued by the facility CA, or imported from PKCS#12)."""

    key: PrivateKeyTypes | None = None

    def sign_digest(self, digest: bytes, hash_name: str, description: str = "") -> bytes:
        algorithm = Prehashed(hash_algorithm(hash_name))
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(digest, padding.PKCS1v15(), algorithm)
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(digest, ec.ECDSA(algorithm))
        raise SigningError("loại khóa không hỗ trợ")
