"""EF.SOD: a CMS SignedData whose content is the LDS security object (9303-10 §4.6.2).

Chip data is untrusted: the CMS, LDS and certificate structures are parsed with
``asn1crypto`` (strict DER, bounded by the input) rather than by hand, and every
parse failure is one ``MalformedResponse``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asn1crypto import algos, cms, core, x509 as asn1_x509
from cryptography import x509

from . import oids
from .errors import MalformedResponse
from .tlv import parse_one

# What asn1crypto and cryptography raise on input they cannot decode.
PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)


class DataGroupHash(core.Sequence):
    """``DataGroupHash ::= SEQUENCE { dataGroupNumber, dataGroupHashValue }``."""

    _fields = [("number", core.Integer), ("hash", core.OctetString)]


class DataGroupHashValues(core.SequenceOf):
    """The SEQUENCE OF DataGroupHash."""

    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    """LDS 1.8 version information (optional)."""

    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]


class LdsSecurityObject(core.Sequence):
    """``LDSSecurityObject`` (9303-10 §4.6.2.2)."""

    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


class CertificateSet(core.SetOf):
    """A SET OF Certificate."""

    _child_spec = asn1_x509.Certificate


class CscaMasterList(core.Sequence):
    """``CscaMasterList ::= SEQUENCE { version, certList SET OF Certificate }``."""

    _fields = [("version", core.Integer), ("cert_list", CertificateSet)]


@dataclass
class SignedData:
    """The parts of a CMS SignedData that passive authentication needs."""

    content_type: str  # eContentType: the type of what was signed
    content: bytes
    certificates: list[x509.Certificate] = field(default_factory=list)
    # The embedded certificate the SignerInfo names (issuer and serial, or subject key
    # identifier); None when none of the embedded certificates is the signer's.
    signer_certificate: x509.Certificate | None = None
    signer_id: str = ""  # the SignerInfo's sid, for messages
    digest_oid: str = ""
    signed_attrs: bytes | None = None  # re-tagged as SET: the bytes that were signed
    message_digest: bytes | None = None
    attr_content_type: str | None = None  # the signed contentType attribute
    signature_oid: str = ""
    pss_hash_oid: str | None = None  # RSASSA-PSS parameters, when that is the scheme
    pss_salt: int | None = None
    signature: bytes = b""


@dataclass
class SecurityObject:
    """Decoded EF.SOD: the data group hashes plus the signature material."""

    hash_oid: str
    dg_hashes: dict[int, bytes]
    signed: SignedData


def parse_signed_data(der: bytes) -> SignedData:
    """Parse a DER ContentInfo holding a SignedData (EF.SOD or a CSCA master list)."""
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].dotted != oids.SIGNED_DATA:
            raise MalformedResponse("not a CMS SignedData")
        sd = info["content"]
        encap = sd["encap_content_info"]
        content = encap["content"].native
        if not isinstance(content, bytes):
            raise MalformedResponse("SignedData without encapsulated content")
        out = SignedData(encap["content_type"].dotted, content)
        embedded = [c.chosen for c in sd["certificates"] if c.name == "certificate"]
        out.certificates = [x509.load_der_x509_certificate(c.dump()) for c in embedded]
        signers = list(sd["signer_infos"])
        if len(signers) != 1:
            raise MalformedResponse(f"{len(signers)} SignerInfos, expected one")
        _parse_signer(signers[0], embedded, out)
    except PARSE_ERRORS as exc:
        raise MalformedResponse(f"CMS SignedData: {exc}") from None
    return out


def _names(sid: cms.SignerIdentifier, cert: asn1_x509.Certificate) -> bool:
    """Whether the SignerInfo's ``sid`` designates ``cert``."""
    if sid.name == "issuer_and_serial_number":
        named = sid.chosen
        return bool(
            cert.issuer == named["issuer"] and cert.serial_number == named["serial_number"].native
        )
    return cert.key_identifier is not None and cert.key_identifier == sid.chosen.native


def _describe(sid: cms.SignerIdentifier) -> str:
    if sid.name == "issuer_and_serial_number":
        named = sid.chosen
        return f"issuer {named['issuer'].human_friendly}, serial {named['serial_number'].native}"
    return f"subject key identifier {sid.chosen.native.hex()}"


def _parse_signer(
    si: cms.SignerInfo, embedded: list[asn1_x509.Certificate], out: SignedData
) -> None:
    sid = si["sid"]
    out.signer_id = _describe(sid)
    for index, cert in enumerate(embedded):
        if _names(sid, cert):
            out.signer_certificate = out.certificates[index]
            break
    out.digest_oid = si["digest_algorithm"]["algorithm"].dotted
    attrs = si["signed_attrs"]
    if len(attrs):
        out.signed_attrs = b"\x31" + attrs.dump()[1:]  # [0] IMPLICIT back to SET OF
        seen: set[str] = set()
        for attr in attrs:
            oid, values = attr["type"].dotted, attr["values"]
            if oid in seen or len(values) != 1:
                raise MalformedResponse(f"signed attribute {oid} must appear once, one value")
            seen.add(oid)
            if oid == oids.ATTR_MESSAGE_DIGEST:
                out.message_digest = values[0].native
            elif oid == oids.ATTR_CONTENT_TYPE:
                out.attr_content_type = values[0].dotted
    algorithm = si["signature_algorithm"]
    out.signature_oid = algorithm["algorithm"].dotted
    if out.signature_oid == oids.RSASSA_PSS:
        params = algorithm["parameters"]
        out.pss_hash_oid = params["hash_algorithm"]["algorithm"].dotted
        out.pss_salt = params["salt_length"].native
    out.signature = si["signature"].native


def parse_sod(ef_sod: bytes) -> SecurityObject:
    """Parse EF.SOD (tag 77) into data group hashes and signature material."""
    signed = parse_signed_data(parse_one(ef_sod, 0x77).value)
    if signed.content_type != oids.LDS_SECURITY_OBJECT:
        raise MalformedResponse(
            f"EF.SOD signs content of type {signed.content_type}, not an LDS security object"
        )
    try:
        lso = LdsSecurityObject.load(signed.content, strict=True)
        hash_oid = lso["hash_algorithm"]["algorithm"].dotted
        hashes: dict[int, bytes] = {}
        for entry in lso["data_group_hash_values"]:
            number = entry["number"].native
            if number in hashes:
                raise MalformedResponse(f"data group {number} listed twice")
            hashes[number] = entry["hash"].native
    except PARSE_ERRORS as exc:
        raise MalformedResponse(f"EF.SOD: {exc}") from None
    return SecurityObject(hash_oid, hashes, signed)


def parse_master_list(content: bytes) -> list[x509.Certificate]:
    """The CSCA certificates of a master list's content (``CscaMasterList``)."""
    try:
        body = CscaMasterList.load(content, strict=True)
        return [x509.load_der_x509_certificate(c.dump()) for c in body["cert_list"]]
    except PARSE_ERRORS as exc:
        raise MalformedResponse(f"CSCA master list: {exc}") from None
