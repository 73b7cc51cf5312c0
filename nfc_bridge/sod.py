"""EF.SOD: a CMS SignedData whose content is the LDS security object (9303-10 §4.6.2).

A small DER reader on top of :mod:`nfc_bridge.tlv`; no ASN.1 library needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509

from . import oids
from .der import OCTET_STRING, OID, SEQUENCE, SET, algorithm_oid, decode_int, decode_oid, expect
from .errors import MalformedResponse
from .tlv import Tlv, parse_one, tlv


@dataclass
class SignedData:
    """The parts of a CMS SignedData that passive authentication needs."""

    content_type: str
    content: bytes
    certificates: list[x509.Certificate] = field(default_factory=list)
    digest_oid: str = ""
    signed_attrs: bytes | None = None  # re-tagged as SET: the bytes that were signed
    message_digest: bytes | None = None
    attr_content_type: str | None = None
    signature_alg: Tlv | None = None
    signature: bytes = b""
    sid_issuer: bytes | None = None
    sid_serial: int | None = None
    sid_ski: bytes | None = None


@dataclass
class SecurityObject:
    """Decoded EF.SOD: the data group hashes plus the signature material."""

    hash_oid: str
    dg_hashes: dict[int, bytes]
    signed: SignedData


def parse_signed_data(der: bytes) -> SignedData:
    """Parse a DER ContentInfo holding a SignedData (EF.SOD or a CSCA master list)."""
    ci = expect(parse_one(der), SEQUENCE).children()
    if len(ci) < 2 or decode_oid(expect(ci[0], OID).value) != oids.SIGNED_DATA:
        raise MalformedResponse("not a CMS SignedData")
    sd = expect(parse_one(expect(ci[1], 0xA0).value), SEQUENCE).children()
    encap = expect(sd[2], SEQUENCE).children()
    ctype = decode_oid(expect(encap[0], OID).value)
    content = expect(parse_one(expect(encap[1], 0xA0).value), OCTET_STRING).value
    out = SignedData(ctype, content)
    rest = sd[3:]
    for item in rest:
        if item.tag == 0xA0:  # certificates [0] IMPLICIT SET OF
            for cert in item.children():
                out.certificates.append(x509.load_der_x509_certificate(cert.raw))
    signers = expect(rest[-1], SET).children()
    if signers:
        _parse_signer(expect(signers[0], SEQUENCE).children(), out)
    return out


def _parse_signer(si: list[Tlv], out: SignedData) -> None:
    sid = si[1]
    if sid.tag == SEQUENCE:
        issuer, serial = sid.children()[:2]
        out.sid_issuer, out.sid_serial = issuer.raw, decode_int(serial)
    elif sid.tag == 0x80:
        out.sid_ski = sid.value
    out.digest_oid = algorithm_oid(si[2])
    pos = 3
    if si[pos].tag == 0xA0:
        out.signed_attrs = tlv(SET, si[pos].value)
        for attr in si[pos].children():
            kids = attr.children()
            attr_oid = decode_oid(kids[0].value)
            values = kids[1].children()
            if attr_oid == oids.ATTR_MESSAGE_DIGEST:
                out.message_digest = expect(values[0], OCTET_STRING).value
            elif attr_oid == oids.ATTR_CONTENT_TYPE:
                out.attr_content_type = decode_oid(values[0].value)
        pos += 1
    out.signature_alg = expect(si[pos], SEQUENCE)
    out.signature = expect(si[pos + 1], OCTET_STRING).value


def parse_sod(ef_sod: bytes) -> SecurityObject:
    """Parse EF.SOD (tag 77) into data group hashes and signature material."""
    try:
        signed = parse_signed_data(parse_one(ef_sod, 0x77).value)
        if signed.content_type != oids.LDS_SECURITY_OBJECT:
            raise MalformedResponse("EF.SOD does not hold an LDS security object")
        lso = expect(parse_one(signed.content), SEQUENCE).children()
        hash_oid = algorithm_oid(lso[1])
        hashes = {}
        for entry in expect(lso[2], SEQUENCE).children():
            number, value = entry.children()[:2]
            hashes[decode_int(number)] = expect(value, OCTET_STRING).value
    except (IndexError, ValueError) as exc:
        raise MalformedResponse(f"EF.SOD: {exc}") from None
    return SecurityObject(hash_oid, hashes, signed)
