"""LDS data groups: DG1 (the MRZ) and DG2 (the face image) (ICAO 9303-10 §4.7)."""

from __future__ import annotations

import io

from .errors import MalformedResponse
from .tlv import Tlv, parse_all, parse_one, require

JPEG_SOI = b"\xff\xd8\xff"
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_CODESTREAM = b"\xff\x4f\xff\x51"


class MrzFields(dict):
    """DG1 fields: a plain dict (JSON-ready) that also reads as attributes."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _clean(s: str) -> str:
    return s.replace("<", " ").strip()


def _names(field: str) -> tuple[str, str]:
    surname, _, given = field.partition("<<")
    return _clean(surname), " ".join(_clean(given).split())


def parse_dg1(dg1: bytes) -> MrzFields:
    """MRZ fields of DG1 (TD1 90 characters, TD2 72, TD3 88)."""
    mrz = require(parse_one(dg1, 0x61).children(), 0x5F1F).value.decode("ascii", "replace")
    n = len(mrz)
    if n == 88:  # TD3: passport booklet
        l1, l2 = mrz[:44], mrz[44:]
        surname, given = _names(l1[5:44])
        fields = dict(
            document_number=l2[0:9],
            nationality=l2[10:13],
            birth_date=l2[13:19],
            sex=l2[20],
            expiry_date=l2[21:27],
            optional_data=l2[28:42],
        )
    elif n == 72:  # TD2
        l1, l2 = mrz[:36], mrz[36:]
        surname, given = _names(l1[5:36])
        fields = dict(
            document_number=l2[0:9],
            nationality=l2[10:13],
            birth_date=l2[13:19],
            sex=l2[20],
            expiry_date=l2[21:27],
            optional_data=l2[28:35],
        )
    elif n == 90:  # TD1: ID card
        l1, l2, l3 = mrz[:30], mrz[30:60], mrz[60:]
        surname, given = _names(l3)
        fields = dict(
            document_number=l1[5:14],
            nationality=l2[15:18],
            birth_date=l2[0:6],
            sex=l2[7],
            expiry_date=l2[8:14],
            optional_data=l1[15:30] + l2[18:29],
        )
    else:
        raise MalformedResponse(f"DG1 MRZ has {n} characters")
    out = MrzFields(
        {
            "format": {88: "TD3", 72: "TD2", 90: "TD1"}[n],
            "document_code": _clean(mrz[0:2]),
            "issuing_state": _clean(mrz[2:5]),
            "surname": surname,
            "given_names": given,
            **{k: _clean(v) for k, v in fields.items()},
            "mrz": mrz,
        }
    )
    return out


def _image_in(data: bytes) -> tuple[bytes, str] | None:
    for magic, mime in (
        (JPEG_SOI, "image/jpeg"),
        (JP2_SIGNATURE, "image/jp2"),
        (J2K_CODESTREAM, "image/j2k"),
    ):
        at = data.find(magic)
        if at >= 0:
            return data[at:], mime
    return None


def _iso19794_image(bdb: bytes) -> tuple[bytes, str]:
    """Image of an ISO/IEC 19794-5 facial record ("FAC\\0")."""
    if not bdb.startswith(b"FAC\x00") or len(bdb) < 14 + 20:
        raise MalformedResponse("biometric data block is not an ISO/IEC 19794-5 record")
    pos = 14  # format id, version, record length (4), number of images (2)
    block_length = int.from_bytes(bdb[pos : pos + 4], "big")
    features = int.from_bytes(bdb[pos + 4 : pos + 6], "big")
    end = pos + block_length  # the first facial record; others may follow
    pos += 20 + 8 * features
    if len(bdb) < pos + 12 or end > len(bdb) or end <= pos + 12:
        raise MalformedResponse("truncated ISO/IEC 19794-5 facial record")
    kind = bdb[pos + 1]
    image = bdb[pos + 12 : end]
    mime = "image/jpeg" if kind == 0 else "image/jp2"
    if kind == 1 and image.startswith(J2K_CODESTREAM):
        mime = "image/j2k"
    return image, mime


def _walk(items: list[Tlv]):
    for item in items:
        yield item
        if item.constructed:
            try:
                yield from _walk(item.children())
            except MalformedResponse:
                continue


def extract_face(dg2: bytes) -> tuple[bytes, str]:
    """The first face image of DG2 and its MIME type.

    Handles the ISO/IEC 19794-5 block (tag 5F2E) and the ISO/IEC 39794-5 block
    (tag 7F2E, an ASN.1 structure: the image is the primitive element that starts
    with a JPEG or JPEG 2000 signature).
    """
    root = parse_one(dg2, 0x75)
    for item in _walk(root.children()):
        if item.tag == 0x5F2E:
            return _iso19794_image(item.value)
        if item.tag == 0x7F2E:
            for inner in _walk(parse_all(item.value)):
                if not inner.constructed:
                    found = _image_in(inner.value[:16])
                    if found:
                        return inner.value, found[1]
            raise MalformedResponse("no image inside the ISO/IEC 39794-5 block")
    raise MalformedResponse("DG2 has no biometric data block")


def decode_image(image: bytes) -> tuple[int, int]:
    """Check the image decodes with Pillow; return (width, height)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as im:
            im.load()
            return im.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MalformedResponse(f"face image does not decode: {exc}") from None
