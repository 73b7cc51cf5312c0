"""Active authentication (ICAO 9303-11 §6.1): the chip signs the server's challenge.

RSA keys sign with ISO/IEC 9796-2 digital signature scheme 1 (message recovery);
EC keys return a plain r||s ECDSA signature, hashed as DG14 says.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils

from . import oids
from .der import OID, decode_oid
from .errors import MalformedResponse
from .tlv import parse_one

# ISO/IEC 10118-3 hash identifiers used in the 9796-2 trailer (xx CC)
_TRAILER_HASH = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}


def dg15_public_key(dg15: bytes):
    """The AA public key of DG15 (a SubjectPublicKeyInfo inside tag 6F)."""
    try:
        return serialization.load_der_public_key(parse_one(dg15, 0x6F).value)
    except (ValueError, TypeError) as exc:  # e.g. EC keys with explicit parameters
        raise MalformedResponse(f"unsupported DG15 key: {exc}") from None


def dg14_aa_hash(dg14: bytes | None):
    """The hash of ActiveAuthenticationInfo in DG14, if any (for ECDSA AA)."""
    if not dg14:
        return None
    try:
        infos = parse_one(dg14, 0x6E).children()[0].children()
        for info in infos:
            kids = info.children()
            if kids and kids[0].tag == OID and decode_oid(kids[0].value) == oids.ACTIVE_AUTH_INFO:
                alg = next((k for k in kids[2:] if k.tag == OID), None)
                return oids.ECDSA_PLAIN.get(decode_oid(alg.value)) if alg else None
    except (MalformedResponse, IndexError):
        return None
    return None


def verify(public_key, challenge: bytes, signature: bytes, dg14: bytes | None = None) -> dict:
    """Check an INTERNAL AUTHENTICATE answer; returns {"status", "reason"}."""
    if not signature:
        return {"status": "fail", "reason": "the chip returned no signature"}
    if isinstance(public_key, rsa.RSAPublicKey):
        ok, why = _verify_9796(public_key, challenge, signature)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        ok, why = _verify_ecdsa(public_key, challenge, signature, dg14_aa_hash(dg14))
    else:
        return {"status": "not_checked", "reason": "unsupported AA key type"}
    return {"status": "pass" if ok else "fail", "reason": why}


def _verify_9796(key: rsa.RSAPublicKey, challenge: bytes, signature: bytes) -> tuple[bool, str]:
    n, e = key.public_numbers().n, key.public_numbers().e
    k = (n.bit_length() + 7) // 8
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False, "signature larger than the modulus"
    m = pow(s, e, n)
    if m & 0xF != 0xC:  # the signer may have used min(s, n - s)
        m = n - m
    f = m.to_bytes(k, "big")
    if f[0] & 0xF0 != 0x60 or f[-1] & 0x0F != 0x0C:
        return False, "recovered message has no ISO/IEC 9796-2 header/trailer"
    if f[-1] == 0xBC:
        name, body = "sha1", f[1:-1]
    elif f[-1] == 0xCC and f[-2] in _TRAILER_HASH:
        name, body = _TRAILER_HASH[f[-2]], f[1:-2]
    else:
        return False, "unknown ISO/IEC 9796-2 trailer"
    size = hashlib.new(name).digest_size
    m1, digest = body[:-size], body[-size:]
    if hmac.compare_digest(hashlib.new(name, m1 + challenge).digest(), digest):
        return True, f"RSA ISO/IEC 9796-2 signature ({name}) over our challenge"
    return False, "signature does not cover our challenge (wrong key or replayed answer)"


def _verify_ecdsa(key, challenge: bytes, signature: bytes, hcls) -> tuple[bool, str]:
    half = len(signature) // 2
    der = utils.encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )
    choices: list[oids.HashFactory] = (
        [hcls] if hcls else [hashes.SHA256, hashes.SHA384, hashes.SHA512, hashes.SHA1]
    )
    for h in choices:
        try:
            key.verify(der, challenge, ec.ECDSA(h()))
            return True, f"ECDSA signature ({h().name}) over our challenge"
        except InvalidSignature:
            continue
    return False, "signature does not cover our challenge (wrong key or replayed answer)"


# --- card side (simulator) -------------------------------------------------------------


def sign(private_key, challenge: bytes, ec_hash: str = "sha256") -> bytes:
    """What a chip answers to INTERNAL AUTHENTICATE."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        hcls = oids.HASHES[oids.HASH_OID[ec_hash]]
        r, s = utils.decode_dss_signature(private_key.sign(challenge, ec.ECDSA(hcls())))
        size = (private_key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    nums = private_key.private_numbers()
    n, d = nums.public_numbers.n, nums.d
    k = (n.bit_length() + 7) // 8
    m1 = secrets.token_bytes(k - 2 - 20)
    f = b"\x6a" + m1 + hashlib.sha1(m1 + challenge).digest() + b"\xbc"
    return pow(int.from_bytes(f, "big"), d, n).to_bytes(k, "big")


def dg14_file(ec_hash: str) -> bytes:
    """DG14 holding an ActiveAuthenticationInfo for ecdsa-plain-<hash> (simulator)."""
    from .der import encode_int, encode_oid, seq, set_of
    from .tlv import tlv

    alg = next(oid for oid, cls in oids.ECDSA_PLAIN.items() if cls().name == ec_hash)
    info = seq(encode_oid(oids.ACTIVE_AUTH_INFO), encode_int(1), encode_oid(alg))
    return tlv(0x6E, set_of(info))


def dg15_file(public_key) -> bytes:
    """DG15 holding ``public_key`` (simulator and tests)."""
    from .tlv import tlv

    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return tlv(0x6F, spki)
