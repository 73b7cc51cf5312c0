"""LDS files of test passports: DG1 from MRZ fields, DG2 around a face JPEG, DG15."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from ..bac import check_digit
from ..tlv import tlv


def td3_mrz(
    surname: str,
    given: str,
    number: str,
    nationality: str,
    birth: str,
    sex: str,
    expiry: str,
    issuing: str | None = None,
    optional: str = "",
) -> str:
    """A TD3 (passport) MRZ of 88 characters with correct check digits."""
    issuing = issuing or nationality
    name = f"{surname}<<{given.replace(' ', '<')}".upper()
    l1 = f"P<{issuing:<3}{name}".replace(" ", "<").ljust(44, "<")[:44]
    num = number.ljust(9, "<")
    opt = optional.ljust(14, "<")
    part = (
        f"{num}{check_digit(num)}{nationality:<3}{birth}{check_digit(birth)}{sex}"
        f"{expiry}{check_digit(expiry)}{opt}{check_digit(opt)}"
    )
    composite = (
        num
        + check_digit(num)
        + birth
        + check_digit(birth)
        + expiry
        + check_digit(expiry)
        + opt
        + check_digit(opt)
    )
    l2 = (part + check_digit(composite)).replace(" ", "<")
    return l1 + l2


def dg1_file(mrz: str) -> bytes:
    """DG1 holding an MRZ string."""
    return tlv(0x61, tlv(0x5F1F, mrz.encode("ascii")))


def _iso19794(image: bytes, width: int, height: int, jpeg2000: bool = False) -> bytes:
    image_info = (
        bytes([1, 1 if jpeg2000 else 0])
        + width.to_bytes(2, "big")
        + height.to_bytes(2, "big")
        + bytes([1, 2])
        + b"\x00\x00"
        + b"\x00\x00"
    )
    face_info = (20 + 12 + len(image)).to_bytes(4, "big") + b"\x00\x00" + bytes(14)
    body = face_info + image_info + image
    header = b"FAC\x00" + b"010\x00" + (14 + len(body)).to_bytes(4, "big") + b"\x00\x01"
    return header + body


def dg2_file(
    image: bytes, width: int, height: int, *, encoding: str = "19794", jpeg2000: bool = False
) -> bytes:
    """DG2 holding one face, as ISO/IEC 19794-5 (5F2E) or 39794-5 (7F2E) data."""
    bht = tlv(
        0xA1,
        tlv(0x80, b"\x01\x01"),
        tlv(0x81, b"\x02"),
        tlv(0x87, b"\x01\x01"),
        tlv(0x88, b"\x00\x08"),
    )
    if encoding == "39794":
        # ISO/IEC 39794-5 FaceImageDataBlock (DER, implicit context tags), reduced
        # to what a reader needs: version [0], representations [1] holding one
        # representation whose 2D image block carries the image data [0] and
        # image information [1] (JPEG or JPEG 2000 format code, width, height).
        version = tlv(0xA0, tlv(0x80, b"\x00"), tlv(0x81, b"\x00"))
        info = tlv(
            0xA1,
            tlv(0x80, b"\x00"),
            tlv(0x83, b"\x01" if jpeg2000 else b"\x00"),
            tlv(0xA4, tlv(0x80, width.to_bytes(2, "big")), tlv(0x81, height.to_bytes(2, "big"))),
        )
        image_2d = tlv(0xA0, tlv(0x80, image), info)
        representation = tlv(0x30, tlv(0x80, b"\x01"), tlv(0xA1, image_2d))
        block = tlv(0x7F2E, version, tlv(0xA1, representation))
    else:
        block = tlv(0x5F2E, _iso19794(image, width, height, jpeg2000))
    return tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01"), tlv(0x7F60, bht, block)))


DEMO_FACE = Path(__file__).with_name("data") / "demo_face.jpg"


@functools.lru_cache(maxsize=4)
def face_jpeg(quality: int = 86, fmt: str = "JPEG") -> tuple[bytes, int, int]:
    """A realistic ~20 KB passport-style face and its size.

    ``data/demo_face.jpg`` is scikit-image's public-domain astronaut photo (NASA)
    cropped to the face (see :func:`make_demo_face`); other qualities and
    formats are re-encoded from it.
    """
    from PIL import Image

    data = DEMO_FACE.read_bytes()
    with Image.open(io.BytesIO(data)) as im:
        if (quality, fmt) == (86, "JPEG"):
            return data, im.size[0], im.size[1]
        buf = io.BytesIO()
        if fmt == "JPEG2000":
            im.save(buf, fmt, quality_mode="rates", quality_layers=[40])
        else:
            im.save(buf, fmt, quality=quality)
        return buf.getvalue(), im.size[0], im.size[1]


def make_demo_face(path: Path = DEMO_FACE) -> None:
    """Regenerate ``data/demo_face.jpg`` (needs scikit-image)."""
    from PIL import Image
    from skimage import data

    im = Image.fromarray(data.astronaut()).crop((140, 10, 290, 200)).resize((300, 380))
    im.save(path, "JPEG", quality=86)
