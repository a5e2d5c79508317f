"""Import of a real signing certificate delivered as PKCS#12 (.p12/.pfx), as lawful CAs ship soft tokens."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import pkcs12

from ...accounts.models import User
from ..models import SigningCredential
from .authority import CaError, store_credential
from .storage import save_private_key


def import_p12(user: User, data: bytes, password: bytes | None) -> SigningCredential:
    """Store the key re-encrypted under our passphrase, and the certificate with its chain, as the user's credential."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        raise CaError(f"không đọc được tệp PKCS#12 (sai mật khẩu hoặc tệp hỏng): {exc}") from exc
    if key is None or cert is None:
        raise CaError("tệp PKCS#12 không chứa khóa bí mật và chứng thư số")
    key_path = save_private_key(f"users/{user.pk}-{cert.serial_number:x}.key.pem", key)
    # Keep the issuers in order from the leaf upwards so the chain can be embedded as is.
    chain = sorted(extra or [], key=lambda c: c.subject == c.issuer)
    return store_credential(user, SigningCredential.Kind.PKCS12, cert, chain, key_path=key_path)
