"""Chip authentication (ICAO 9303-11 §6.2, ECDH with AES): the chip proves it is genuine.

DG14 carries the chip's static public key (signed through EF.SOD). The
terminal sends an ephemeral key; both sides derive new session keys from the
ECDH secret, and only a chip holding the matching private key can answer the
next protected command. Many EU passports offer this instead of active
authentication.

Only named curves are supported (DG14 keys with explicit domain parameters
are reported ``not_checked``).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from . import crypto
from .apdu import Command
from .der import (
    INTEGER,
    OID,
    SEQUENCE,
    SET,
    decode_int,
    decode_oid,
    encode_int,
    encode_oid,
    seq,
    set_of as der_set_of,
)
from .errors import MalformedResponse
from .tlv import parse_one, tlv

CA_PREFIX = "0.4.0.127.0.7.2.2.3.2"  # id-CA-ECDH
CA_AES = {f"{CA_PREFIX}.2": 128, f"{CA_PREFIX}.3": 192, f"{CA_PREFIX}.4": 256}
PK_ECDH = "0.4.0.127.0.7.2.2.1.2"  # id-PK-ECDH


@dataclass(frozen=True)
class ChipAuthInfo:
    """What DG14 says about chip authentication: protocol, key bits and the chip's key."""

    oid: str
    key_bits: int
    public_key: ec.EllipticCurvePublicKey
    key_id: int | None = None


def parse_dg14(dg14: bytes) -> ChipAuthInfo | None:
    """The ECDH/AES chip authentication offered by DG14, or None."""
    infos = parse_one(parse_one(dg14, 0x6E).value, SET).children()
    protocols: list[tuple[str, int | None]] = []
    keys: dict[int | None, ec.EllipticCurvePublicKey] = {}
    for info in infos:
        kids = info.children() if info.tag == SEQUENCE else []
        if not kids or kids[0].tag != OID:
            continue
        oid = decode_oid(kids[0].value)
        key_id = decode_int(kids[-1]) if len(kids) > 2 and kids[-1].tag == INTEGER else None
        if oid in CA_AES:
            protocols.append((oid, key_id))
        elif oid == PK_ECDH and len(kids) > 1:
            try:
                loaded = serialization.load_der_public_key(kids[1].raw)
            except (ValueError, TypeError):
                continue  # explicit domain parameters: not supported
            if isinstance(loaded, ec.EllipticCurvePublicKey):
                keys[key_id] = loaded
    for oid, key_id in protocols:
        chosen = keys.get(key_id) or (next(iter(keys.values())) if len(keys) == 1 else None)
        if chosen is not None:
            return ChipAuthInfo(oid, CA_AES[oid], chosen, key_id)
    return None


def encode_public(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def session_keys(
    private: ec.EllipticCurvePrivateKey, peer: ec.EllipticCurvePublicKey, key_bits: int
) -> tuple[bytes, bytes]:
    """New (KS_enc, KS_mac) from the ECDH secret of ``private`` and ``peer``."""
    secret = private.exchange(ec.ECDH(), peer)
    return (
        crypto.kdf(secret, crypto.KDF_ENC, crypto.AES, key_bits),
        crypto.kdf(secret, crypto.KDF_MAC, crypto.AES, key_bits),
    )


def mse_set_at(oid: str, key_id: int | None = None) -> Command:
    """MSE:Set AT selecting chip authentication (and the key when DG14 names several)."""
    data = encode_oid(oid).replace(b"\x06", b"\x80", 1)
    if key_id is not None:
        data += tlv(0x84, encode_int(key_id)[2:])
    return Command(0x00, 0x22, 0x41, 0xA4, data)


def general_authenticate(ephemeral_public: bytes) -> Command:
    return Command(0x00, 0x86, 0x00, 0x00, tlv(0x7C, tlv(0x80, ephemeral_public)), le=256)


def dg14_file(
    chip_key: ec.EllipticCurvePrivateKey, key_bits: int = 128, extra_infos: tuple[bytes, ...] = ()
) -> bytes:
    """DG14 offering chip authentication with ``chip_key`` (simulator and tests)."""
    spki = chip_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    oid = next(o for o, bits in CA_AES.items() if bits == key_bits)
    infos = (seq(encode_oid(oid), encode_int(1)), seq(encode_oid(PK_ECDH), spki), *extra_infos)
    return tlv(0x6E, der_set_of(*infos))


def point_key(curve: ec.EllipticCurve, point: bytes) -> ec.EllipticCurvePublicKey:
    """Load an uncompressed point sent by the other side."""
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except ValueError as exc:
        raise MalformedResponse(f"bad chip authentication key: {exc}") from None
