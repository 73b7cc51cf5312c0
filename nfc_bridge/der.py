"""Just enough DER to read and write the ASN.1 of EF.CardAccess, EF.SOD and DG14/15.

Built on :mod:`nfc_bridge.tlv`; ASN.1 universal tags are plain one-byte tags.
"""

from __future__ import annotations

from .errors import MalformedResponse
from .tlv import Tlv, parse_one, tlv

INTEGER, OCTET_STRING, NULL, OID, UTF8, PRINTABLE = 0x02, 0x04, 0x05, 0x06, 0x0C, 0x13
SEQUENCE, SET = 0x30, 0x31


def encode_oid(dotted: str) -> bytes:
    """Encode a dotted OID as a full DER element."""
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return tlv(OID, bytes(out))


def decode_oid(value: bytes) -> str:
    """Decode the value bytes of an OID element."""
    if not value:
        raise MalformedResponse("empty OID")
    first = value[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    n = 0
    for b in value[1:]:
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(n)
            n = 0
    return ".".join(map(str, parts))


def encode_int(n: int) -> bytes:
    """DER INTEGER element."""
    body = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True)
    return tlv(INTEGER, body)


def decode_int(item: Tlv) -> int:
    """Value of a DER INTEGER element."""
    if item.tag != INTEGER or not item.value:
        raise MalformedResponse("expected INTEGER")
    return int.from_bytes(item.value, "big", signed=True)


def seq(*items: bytes) -> bytes:
    """DER SEQUENCE of the given encoded elements."""
    return tlv(SEQUENCE, *items)


def set_of(*items: bytes) -> bytes:
    # DER sorts SET OF elements by their encoding.
    """DER SET OF the given encoded elements (sorted)."""
    return tlv(SET, *sorted(items))


def octets(b: bytes) -> bytes:
    """DER OCTET STRING element."""
    return tlv(OCTET_STRING, b)


def parse(buf: bytes, tag: int | None = None) -> Tlv:
    """Parse exactly one element (optionally checking its tag)."""
    return parse_one(buf, tag)


def expect(item: Tlv, tag: int) -> Tlv:
    """Return ``item`` if it has ``tag``, else raise ``MalformedResponse``."""
    if item.tag != tag:
        raise MalformedResponse(f"expected tag {tag:#x}, got {item.tag:#x}")
    return item


def algorithm_oid(item: Tlv) -> str:
    """OID of an AlgorithmIdentifier SEQUENCE."""
    kids = expect(item, SEQUENCE).children()
    if not kids:
        raise MalformedResponse("empty AlgorithmIdentifier")
    return decode_oid(expect(kids[0], OID).value)
