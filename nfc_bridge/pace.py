"""PACE with ECDH generic mapping and AES (ICAO 9303-11 §4.4, Appendix G.1).

Point arithmetic uses the ``ecdsa`` package because ``cryptography`` has no point
addition (needed by the mapping G' = s*G + H) and no brainpoolP320r1.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ecdsa import curves
from ecdsa.ellipticcurve import INFINITY, Point, PointJacobi

from . import crypto
from .apdu import Command
from .der import SET, decode_int, decode_oid, encode_oid, expect, parse
from .errors import MalformedResponse, PaceFailed
from .tlv import parse_one, require, tlv

PACE_PREFIX = "0.4.0.127.0.7.2.2.4"
# id-PACE-ECDH-GM-AES-CBC-CMAC-128/192/256
ECDH_GM_AES = {f"{PACE_PREFIX}.2.2": 128, f"{PACE_PREFIX}.2.3": 192, f"{PACE_PREFIX}.2.4": 256}
# id-PACE-ECDH-CAM-AES-CBC-CMAC-*: generic mapping plus chip authentication data in
# the last step; the key agreement is the same, so we run it as GM and leave the
# chip authentication data (DO'8A') unchecked.
ECDH_CAM_AES = {f"{PACE_PREFIX}.6.2": 128, f"{PACE_PREFIX}.6.3": 192, f"{PACE_PREFIX}.6.4": 256}
KEY_BITS = {**ECDH_GM_AES, **ECDH_CAM_AES}
# Standardized domain parameters (9303-11 §9.5.1)
CURVES = {
    12: curves.NIST256p,
    13: curves.BRAINPOOLP256r1,
    14: curves.BRAINPOOLP320r1,
    15: curves.NIST384p,
    16: curves.BRAINPOOLP384r1,
    17: curves.BRAINPOOLP512r1,
    18: curves.NIST521p,
}


@dataclass(frozen=True)
class PaceInfo:
    """One PACEInfo of EF.CardAccess: protocol OID, version, domain parameter id."""

    oid: str
    version: int
    parameter_id: int | None

    @property
    def supported(self) -> bool:
        """Whether we implement this protocol and curve."""
        return self.oid in KEY_BITS and self.parameter_id in CURVES

    @property
    def key_bits(self) -> int:
        """AES key size of the protocol."""
        return KEY_BITS[self.oid]


def parse_card_access(data: bytes) -> list[PaceInfo]:
    """PACEInfo entries of EF.CardAccess (a SET OF SecurityInfo)."""
    out = []
    for info in expect(parse(data), SET).children():
        kids = info.children()
        if len(kids) < 2:
            raise MalformedResponse("short SecurityInfo in EF.CardAccess")
        oid = decode_oid(kids[0].value)
        if not oid.startswith(PACE_PREFIX + "."):
            continue
        if len(oid.split(".")) != 11:  # PACEDomainParameterInfo has a shorter OID
            continue
        param = decode_int(kids[2]) if len(kids) > 2 and kids[2].tag == 0x02 else None
        out.append(PaceInfo(oid, decode_int(kids[1]), param))
    return out


def card_access(oid: str, parameter_id: int) -> bytes:
    """Encode an EF.CardAccess offering one PACE protocol (used by the simulator)."""
    from .der import encode_int, seq, set_of

    return set_of(seq(encode_oid(oid), encode_int(2), encode_int(parameter_id)))


def password_key(mrz_key_string: str, key_bits: int) -> bytes:
    """K_pi derived from SHA-1 of the MRZ information."""
    seed = hashlib.sha1(mrz_key_string.encode("ascii")).digest()
    return crypto.kdf(seed, crypto.KDF_PI, crypto.AES, key_bits)


def decrypt_nonce(k_pi: bytes, encrypted: bytes) -> bytes:
    """The nonce s from the chip's encrypted nonce z (AES-CBC, zero IV)."""
    return crypto.aes_decrypt(k_pi, encrypted)


def encrypt_nonce(k_pi: bytes, nonce: bytes) -> bytes:
    """Chip side: z = E(K_pi, s)."""
    return crypto.aes_encrypt(k_pi, nonce)


def field_len(curve) -> int:
    """Byte length of a field element of ``curve``."""
    return (curve.curve.p().bit_length() + 7) // 8


def encode_point(curve, point) -> bytes:
    """Uncompressed point encoding 04 || X || Y."""
    n = field_len(curve)
    return b"\x04" + point.x().to_bytes(n, "big") + point.y().to_bytes(n, "big")


def decode_point(curve, data: bytes) -> PointJacobi:
    """Decode an uncompressed point, refusing anything off the curve."""
    n = field_len(curve)
    if len(data) != 2 * n + 1 or data[0] != 4:
        raise PaceFailed("bad public point encoding")
    x, y = int.from_bytes(data[1 : n + 1], "big"), int.from_bytes(data[n + 1 :], "big")
    if not curve.curve.contains_point(x, y):
        raise PaceFailed("public point not on the curve")
    return PointJacobi.from_affine(Point(curve.curve, x, y, curve.order))


def random_scalar(curve) -> int:
    """A private key in [1, n-1]."""
    return secrets.randbelow(curve.order - 1) + 1


def public(curve, generator, secret: int):
    """The public point ``secret * generator``."""
    return generator * secret


def map_generator(curve, nonce: bytes, sk_map: int, pk_map_other) -> PointJacobi:
    """Generic mapping: G' = s*G + sk_map * PK_map(other side)."""
    h = pk_map_other * sk_map
    mapped = curve.generator * int.from_bytes(nonce, "big") + h
    if mapped == INFINITY:
        raise PaceFailed("mapped generator is the point at infinity")
    return mapped


def shared_secret(curve, sk: int, pk_other) -> bytes:
    """x coordinate of ``sk * pk_other``, the PACE shared secret K."""
    point = pk_other * sk
    if point == INFINITY:
        raise PaceFailed("shared secret is the point at infinity")
    return point.x().to_bytes(field_len(curve), "big")


def session_keys(secret: bytes, key_bits: int) -> tuple[bytes, bytes]:
    """KS_enc and KS_mac derived from the shared secret."""
    return (
        crypto.kdf(secret, crypto.KDF_ENC, crypto.AES, key_bits),
        crypto.kdf(secret, crypto.KDF_MAC, crypto.AES, key_bits),
    )


def auth_token(ks_mac: bytes, oid: str, public_point: bytes) -> bytes:
    """T = CMAC(KS_mac, 7F49{06 oid, 86 point}) over the *other* side's key."""
    data = tlv(0x7F49, encode_oid(oid), tlv(0x86, public_point))
    return crypto.aes_cmac(ks_mac, data)


def terminal_mapping(mrz_key: str, auth: dict, ga1: bytes, ga2: bytes) -> tuple[int, bytes]:
    """Terminal side of the nonce and mapping steps.

    ``auth`` holds the protocol (``oid``, ``param``, ``bits``) and our mapping key
    ``sk_map``; ``ga1``/``ga2`` are the chip's answers (encrypted nonce, mapping
    key). Returns our ephemeral key pair on the mapped generator (secret, encoded).
    """
    curve = CURVES[auth["param"]]
    k_pi = password_key(mrz_key, auth["bits"])
    nonce = decrypt_nonce(k_pi, require(parse_one(ga1, 0x7C).children(), 0x80).value)
    pk_map_ic = decode_point(curve, require(parse_one(ga2, 0x7C).children(), 0x82).value)
    mapped = map_generator(curve, nonce, int(auth["sk_map"], 16), pk_map_ic)
    sk_dh = random_scalar(curve)
    return sk_dh, encode_point(curve, mapped * sk_dh)


def terminal_agreement(auth: dict, ga3: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """Terminal side of key agreement: ``(KS_enc, KS_mac, T_IFD, expected T_IC)``."""
    curve = CURVES[auth["param"]]
    pk_ic = require(parse_one(ga3, 0x7C).children(), 0x84).value
    if pk_ic == bytes.fromhex(auth["pk_dh"]):
        raise PaceFailed("chip echoed our ephemeral key")
    secret = shared_secret(curve, int(auth["sk_dh"], 16), decode_point(curve, pk_ic))
    ks_enc, ks_mac = session_keys(secret, auth["bits"])
    return (
        ks_enc,
        ks_mac,
        auth_token(ks_mac, auth["oid"], pk_ic),
        auth_token(ks_mac, auth["oid"], bytes.fromhex(auth["pk_dh"])),
    )


def mse_set_at(oid: str) -> Command:
    """MSE:Set AT selecting PACE with the MRZ password (reference 01)."""
    return Command(
        0x00, 0x22, 0xC1, 0xA4, encode_oid(oid).replace(b"\x06", b"\x80", 1) + b"\x83\x01\x01"
    )


def general_authenticate(tag: int | None, data: bytes, last: bool = False) -> Command:
    """GENERAL AUTHENTICATE step; all but the last use command chaining (CLA 10)."""
    body = tlv(tag, data) if tag is not None else b""
    return Command(0x00 if last else 0x10, 0x86, 0x00, 0x00, tlv(0x7C, body), le=256)
