"""BER-TLV helpers (ISO/IEC 7816-4, also enough DER for X.509/CMS bits).

Parsing is strict: a truncated tag, length or value raises ``MalformedResponse``.
Tags are returned as ints of their full encoding (``0x5F1F``, ``0x7F61``...).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import MalformedResponse


@dataclass(frozen=True)
class Tlv:
    """One parsed element; ``raw`` is the whole encoding (tag + length + value)."""

    tag: int
    value: bytes
    raw: bytes

    @property
    def constructed(self) -> bool:
        """Whether the value holds nested TLVs (bit 6 of the first tag byte)."""
        first = self.tag
        while first > 0xFF:
            first >>= 8
        return bool(first & 0x20)

    def children(self) -> list[Tlv]:
        """Parse the value as a sequence of TLVs."""
        return parse_all(self.value)


def read_header(buf: bytes, pos: int = 0) -> tuple[int, int, int]:
    """Return ``(tag, length, value_offset)`` of the element starting at ``pos``."""
    try:
        tag = buf[pos]
        pos += 1
        if tag & 0x1F == 0x1F:
            while True:
                b = buf[pos]
                pos += 1
                tag = (tag << 8) | b
                if not b & 0x80:
                    break
        first = buf[pos]
        pos += 1
    except IndexError:
        raise MalformedResponse("truncated TLV header") from None
    if first < 0x80:
        return tag, first, pos
    count = first & 0x7F
    if count == 0 or count > 4:
        raise MalformedResponse(f"unsupported TLV length byte {first:#x}")
    if pos + count > len(buf):
        raise MalformedResponse("truncated TLV length")
    return tag, int.from_bytes(buf[pos : pos + count], "big"), pos + count


def read_tlv(buf: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """Parse one element at ``pos``; return it and the offset just after it."""
    tag, length, vpos = read_header(buf, pos)
    end = vpos + length
    if end > len(buf):
        raise MalformedResponse(f"truncated TLV value for tag {tag:#x}")
    return Tlv(tag, bytes(buf[vpos:end]), bytes(buf[pos:end])), end


def parse_all(buf: bytes) -> list[Tlv]:
    """Parse a concatenation of TLVs that must fill ``buf`` exactly."""
    out, pos = [], 0
    while pos < len(buf):
        item, pos = read_tlv(buf, pos)
        out.append(item)
    return out


def parse_one(buf: bytes, tag: int | None = None) -> Tlv:
    """Parse a buffer holding exactly one element (ignoring trailing padding 00/FF)."""
    item, end = read_tlv(buf, 0)
    if tag is not None and item.tag != tag:
        raise MalformedResponse(f"expected tag {tag:#x}, got {item.tag:#x}")
    if buf[end:].strip(b"\x00\xff"):
        raise MalformedResponse("trailing bytes after TLV")
    return item


def find(items: list[Tlv], tag: int) -> Tlv | None:
    """First element with ``tag`` among ``items``."""
    return next((t for t in items if t.tag == tag), None)


def require(items: list[Tlv], tag: int) -> Tlv:
    """Like :func:`find` but a missing element is a ``MalformedResponse``."""
    item = find(items, tag)
    if item is None:
        raise MalformedResponse(f"missing tag {tag:#x}")
    return item


def total_length(header: bytes) -> int | None:
    """Size of the whole element from its first bytes, or None if too few bytes."""
    try:
        _, length, vpos = read_header(header, 0)
    except MalformedResponse:
        if len(header) >= 6:
            raise
        return None
    return vpos + length


def encode_length(n: int) -> bytes:
    """BER length octets of ``n``."""
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode_tag(tag: int) -> bytes:
    """The tag bytes of an int tag such as ``0x5F1F``."""
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def tlv(tag: int, *values: bytes) -> bytes:
    """Encode one element whose value is the concatenation of ``values``."""
    value = b"".join(values)
    return encode_tag(tag) + encode_length(len(value)) + value
