"""CMS SignedData signature checks shared by EF.SOD and CSCA master lists."""

from __future__ import annotations

import hashlib
import hmac

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from . import oids
from .errors import NfcError
from .sod import SignedData

PASS, FAIL, NOT_CHECKED = "pass", "fail", "not_checked"


def check(status: str, reason: str) -> dict:
    """One check's outcome as reported to callers."""
    return {"status": status, "reason": reason}


def verify_signed_data(s: SignedData, cert: x509.Certificate, role: str = "signer") -> dict:
    """Check the messageDigest attribute and the signature of ``s`` with ``cert``'s key."""
    dcls = oids.HASHES.get(s.digest_oid)
    if dcls is None:
        return check(NOT_CHECKED, f"unknown digest algorithm {s.digest_oid}")
    signed = s.content
    if s.signed_attrs is not None:
        # RFC 5652 §11.1: the signed contentType attribute names what was signed.
        if s.attr_content_type != s.content_type:
            return check(
                FAIL,
                f"signed contentType attribute ({s.attr_content_type or 'missing'}) differs "
                f"from the encapsulated content type ({s.content_type})",
            )
        digest = hashlib.new(dcls().name, s.content).digest()
        if s.message_digest is None or not hmac.compare_digest(digest, s.message_digest):
            return check(FAIL, "messageDigest attribute does not match the signed content")
        signed = s.signed_attrs
    try:
        scheme = _verify_signature(cert.public_key(), s, dcls, signed)
    except InvalidSignature:
        return check(FAIL, f"signature does not verify with the {role} key")
    except (ValueError, TypeError, NfcError) as exc:
        return check(NOT_CHECKED, f"unsupported signature: {exc}")
    return check(PASS, f"{scheme} signature by {cert.subject.rfc4514_string()}")


def _verify_signature(key: object, s: SignedData, dcls: oids.HashFactory, data: bytes) -> str:
    oid, signature = s.signature_oid, s.signature
    if oid == oids.RSASSA_PSS:
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("RSASSA-PSS signature with a non-RSA key")
        hcls = oids.HASHES[s.pss_hash_oid] if s.pss_hash_oid else dcls
        salt = hcls().digest_size if s.pss_salt is None else s.pss_salt
        key.verify(signature, data, padding.PSS(padding.MGF1(hcls()), salt), hcls())
        return "RSASSA-PSS"
    if isinstance(key, rsa.RSAPublicKey):
        hcls = oids.RSA_PKCS1.get(oid, dcls)
        key.verify(signature, data, padding.PKCS1v15(), hcls())
        return "RSA PKCS#1 v1.5"
    if isinstance(key, ec.EllipticCurvePublicKey):
        hcls = oids.ECDSA.get(oid, dcls)
        if signature[:1] != b"\x30":  # some issuers store plain r||s
            half = len(signature) // 2
            signature = utils.encode_dss_signature(
                int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
            )
        key.verify(signature, data, ec.ECDSA(hcls()))
        return "ECDSA"
    raise ValueError(f"algorithm {oid}")
