"""The GIAMDINHHS envelope: tables base64-encoded in FILEHOSO, signed with XMLDSig in CHUKYDONVI.

Signature: enveloped, RSA-SHA256 over a SHA-256 digest, with the signer's X.509 certificate embedded,
placed inside <CHUKYDONVI> as the portal requires.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from lxml import etree
from signxml import XMLSigner, XMLVerifier
from signxml.exceptions import InvalidInput, InvalidSignature

from .spec import TableSpec, tables
from .xmltables import Row, TableFormatError, parse_table, table_xml

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


class EnvelopeError(ValueError):
    """An envelope that cannot be read or whose signature does not hold."""


@dataclass(frozen=True)
class Dossier:
    """One episode's tables (HOSO), by LOAIHOSO."""

    tables: Mapping[str, Sequence[Row]]


@dataclass(frozen=True)
class OpenedEnvelope:
    facility_code: str
    created: str  # yyyyMMdd
    dossiers: list[Dossier]
    signer: x509.Certificate | None


def build(facility_code: str, dossiers: Sequence[Dossier], *, created: date, version: str | None = None) -> etree._Element:
    specs = tables(version)
    root = etree.Element("GIAMDINHHS")
    info = etree.SubElement(root, "THONGTINDONVI")
    etree.SubElement(info, "MACSKCB").text = facility_code
    body = etree.SubElement(root, "THONGTINHOSO")
    etree.SubElement(body, "NGAYLAP").text = created.strftime("%Y%m%d")
    etree.SubElement(body, "SOLUONGHOSO").text = str(len(dossiers))
    listing = etree.SubElement(body, "DANHSACHHOSO")
    for dossier in dossiers:
        hoso = etree.SubElement(listing, "HOSO")
        for name, spec in specs.items():  # the spec's order: XML1 first
            rows = dossier.tables.get(name)
            if not rows:
                continue
            filehoso = etree.SubElement(hoso, "FILEHOSO")
            etree.SubElement(filehoso, "LOAIHOSO").text = name
            etree.SubElement(filehoso, "NOIDUNGFILE").text = base64.b64encode(table_xml(spec, rows)).decode()
    etree.SubElement(root, "CHUKYDONVI")
    return root


def sign(envelope: etree._Element, key: RSAPrivateKey, chain: Sequence[x509.Certificate]) -> bytes:
    """Sign the envelope; the signature lands inside CHUKYDONVI (signxml's placeholder mechanism)."""
    slot = envelope.find("CHUKYDONVI")
    if slot is None:
        raise EnvelopeError("envelope has no CHUKYDONVI element")
    for child in list(slot):
        slot.remove(child)
    etree.SubElement(slot, f"{{{DS_NS}}}Signature", Id="placeholder", nsmap={"ds": DS_NS})
    signer = XMLSigner(signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=C14N)
    signed = signer.sign(envelope, key=key, cert=list(chain))
    return etree.tostring(signed, xml_declaration=True, encoding="utf-8")


def open_envelope(
    data: bytes, *, trusted: Sequence[x509.Certificate] = (), verify: bool = True, version: str | None = None
) -> OpenedEnvelope:
    """Parse an envelope back into its tables; with verify, the signature must hold and the signer be trusted.

    `trusted` lists the certificates accepted as signers (the facility's own, or those in the hub
    directory); the embedded certificate must be one of them.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise EnvelopeError(f"hồ sơ không phải XML hợp lệ: {exc}") from exc
    if root.tag != "GIAMDINHHS":
        raise EnvelopeError(f"phần tử gốc phải là GIAMDINHHS, không phải {root.tag}")
    signer_cert = None
    if verify:
        signer_cert = _verify(data, trusted)
    specs = tables(version)
    dossiers = []
    for hoso in root.iterfind("THONGTINHOSO/DANHSACHHOSO/HOSO"):
        found: dict[str, list[Row]] = {}
        for filehoso in hoso.iterfind("FILEHOSO"):
            name = (filehoso.findtext("LOAIHOSO") or "").strip()
            spec: TableSpec | None = specs.get(name)
            if spec is None:
                raise EnvelopeError(f"LOAIHOSO {name!r} không được hỗ trợ")
            try:
                content = base64.b64decode((filehoso.findtext("NOIDUNGFILE") or "").strip(), validate=True)
                found[name] = parse_table(spec, content)
            except (ValueError, TableFormatError) as exc:
                raise EnvelopeError(f"{name}: NOIDUNGFILE không đọc được: {exc}") from exc
        dossiers.append(Dossier(found))
    declared = root.findtext("THONGTINHOSO/SOLUONGHOSO") or ""
    if declared != str(len(dossiers)):
        raise EnvelopeError(f"SOLUONGHOSO ghi {declared!r} nhưng có {len(dossiers)} hồ sơ")
    return OpenedEnvelope(
        facility_code=root.findtext("THONGTINDONVI/MACSKCB") or "",
        created=root.findtext("THONGTINHOSO/NGAYLAP") or "",
        dossiers=dossiers,
        signer=signer_cert,
    )


def _verify(data: bytes, trusted: Sequence[x509.Certificate]) -> x509.Certificate:
    if not trusted:
        raise EnvelopeError("không có chứng thư tin cậy để kiểm tra chữ ký")
    last: Exception | None = None
    for cert in trusted:
        try:
            result = XMLVerifier().verify(data, x509_cert=cert)
        except (InvalidSignature, InvalidInput) as exc:
            last = exc
            continue
        results = result if isinstance(result, list) else [result]
        if any(r.signed_xml is not None and r.signed_xml.tag == "GIAMDINHHS" for r in results):
            return cert
    raise EnvelopeError(f"chữ ký số của hồ sơ không hợp lệ: {last}")
