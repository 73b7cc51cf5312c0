"""A picture of a passport's identity page (ICAO TD3), drawn with Pillow and OCR-B.

Demo mode sends the demo passport's page through the real MRZ job (a laptop has no
passport to photograph), and the browser tests play it to the fake camera. The
MRZ is printed in OCR-B (Debian's ``fonts-ocr-b``) as on a real passport.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OCR_B = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SIZE = (1250, 880)  # 125 x 88 mm at 10 px/mm


def _font(path: Path, size: int):
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:  # fonts missing: still a picture (the MRZ will not read)
        return ImageFont.load_default()


def demo_lines() -> list[str]:
    """The two MRZ lines of nfc_bridge's demo passport."""
    from nfc_bridge.sim import DEMO_MRZ_FIELDS as f
    from nfc_bridge.sim.demo_data import td3_mrz

    mrz = td3_mrz(
        f["surname"], f["given"], f["number"], f["nationality"], f["birth"], f["sex"], f["expiry"]
    )
    return [mrz[:44], mrz[44:]]


def passport_page(lines: list[str], face: bytes | None = None) -> Image.Image:
    """The identity page: a header, the photo, a few printed fields and the MRZ."""
    page = Image.new("RGB", SIZE, (236, 240, 232))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, SIZE[0], 90), fill=(150, 40, 50))
    draw.text((40, 22), "PASSEPORT / PASSPORT", font=_font(SANS, 40), fill=(255, 255, 255))
    if face:
        photo = Image.open(io.BytesIO(face)).convert("RGB").resize((300, 380))
        page.paste(photo, (40, 130))
    else:
        draw.rectangle((40, 130, 340, 510), fill=(200, 200, 200))
    l1, l2 = lines
    names = l1[5:].rstrip("<").split("<<", 1)
    label, value = _font(SANS, 22), _font(SANS, 34)
    fields = [
        ("Nom / Surname", names[0].replace("<", " ")),
        ("Prénoms / Given names", (names[1] if len(names) > 1 else "").replace("<", " ")),
        ("Nationalité / Nationality", l2[10:13]),
        ("Date de naissance / Date of birth", f"{l2[17:19]}.{l2[15:17]}.{l2[13:15]}"),
        ("Date d'expiration / Date of expiry", f"{l2[25:27]}.{l2[23:25]}.{l2[21:23]}"),
        ("N° du passeport / Passport No.", l2[0:9].replace("<", "")),
    ]
    y = 125
    for name, text in fields:
        draw.text((390, y), name, font=label, fill=(90, 90, 90))
        draw.text((390, y + 26), text, font=value, fill=(20, 20, 20))
        y += 72
    draw.rectangle((0, 650, SIZE[0], SIZE[1]), fill=(250, 250, 250))
    size = 44
    mrz_font = _font(OCR_B, size)
    while size > 12 and draw.textlength(lines[0], font=mrz_font) > SIZE[0] - 80:
        size -= 1
        mrz_font = _font(OCR_B, size)
    for i, line in enumerate(lines):
        draw.text((40, 690 + i * 80), line, font=mrz_font, fill=(10, 10, 10))
    return page


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    """A picture as JPEG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def demo_page_jpeg() -> bytes:
    """The demo passport's identity page as a phone would photograph it (JPEG)."""
    from nfc_bridge.sim.demo_data import face_jpeg

    return jpeg(passport_page(demo_lines(), face_jpeg()[0]))
