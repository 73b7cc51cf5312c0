"""Names, file identifiers and tags of the LDS elementary files (ICAO 9303-10)."""

from __future__ import annotations

from .errors import MalformedResponse
from .tlv import parse_one, require

APPLET_AID = bytes.fromhex("A0000002471001")
EF_CARD_ACCESS = 0x011C

FIDS = {
    "COM": 0x011E,
    "SOD": 0x011D,
    "DG1": 0x0101,
    "DG2": 0x0102,
    "DG11": 0x010B,
    "DG12": 0x010C,
    "DG14": 0x010E,
    "DG15": 0x010F,
}
TAGS = {
    "COM": 0x60,
    "SOD": 0x77,
    "DG1": 0x61,
    "DG2": 0x75,
    "DG11": 0x6B,
    "DG12": 0x6C,
    "DG14": 0x6E,
    "DG15": 0x6F,
}
# EF.COM tag list order: the tag of DG1..DG16
DG_TAG_ORDER = [
    0x61,
    0x75,
    0x63,
    0x76,
    0x65,
    0x66,
    0x67,
    0x68,
    0x69,
    0x6A,
    0x6B,
    0x6C,
    0x6D,
    0x6E,
    0x6F,
    0x70,
]
TAG_TO_NAME = {tag: name for name, tag in TAGS.items()}
MANDATORY = ("SOD", "DG1", "DG2")
# EF.COM is deprecated (EF.SOD lists the data groups too); DG14 holds security
# infos (the AA algorithm), DG15 the AA public key.
OPTIONAL = ("COM", "DG14", "DG15")
EXTRA = ("DG14", "DG15")  # read when EF.COM or EF.SOD says they exist

# Rough sizes for progress before a file's real length is known.
TYPICAL_SIZE = {"COM": 30, "SOD": 2000, "DG1": 100, "DG2": 20000, "DG14": 300, "DG15": 300}


def dg_number(name: str) -> int:
    """3 for "DG3"."""
    return int(name[2:])


def com_data_groups(com: bytes) -> list[str]:
    """Data group names listed in EF.COM's tag list (5C)."""
    root = parse_one(com, 0x60)
    tags = require(root.children(), 0x5C).value
    names = [TAG_TO_NAME.get(t) or _dg_from_tag(t) for t in tags]
    if "DG1" not in names or "DG2" not in names:
        raise MalformedResponse("EF.COM does not list DG1 and DG2")
    return names


def _dg_from_tag(tag: int) -> str:
    if tag not in DG_TAG_ORDER:
        raise MalformedResponse(f"unknown data group tag {tag:#x} in EF.COM")
    return f"DG{DG_TAG_ORDER.index(tag) + 1}"


def com_file(names: list[str]) -> bytes:
    """Encode an EF.COM listing ``names`` (used by the simulator)."""
    from .tlv import tlv

    tags = bytes(DG_TAG_ORDER[dg_number(n) - 1] for n in names)
    return tlv(0x60, tlv(0x5F01, b"0107"), tlv(0x5F36, b"040000"), tlv(0x5C, tags))
