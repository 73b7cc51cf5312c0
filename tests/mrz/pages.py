"""Synthetic identity pages for MRZ tests: a passport data page or an ID card back.

Drawn with Pillow: a tinted page, a header, a photo area, printed fields and
the MRZ in OCR-B (Debian's ``fonts-ocr-b``) at the ICAO pitch of ten
characters to the inch. The MRZ text comes from the ``mrz`` package's
generator, so check digits are right by construction. :func:`degrade` adds
what a phone camera does to a page: blur, noise, a tilt, perspective, glare,
JPEG artefacts.

The browser tests import :func:`passport_page` (and :func:`jpeg`) to play a
page to the fake camera or to upload it.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from mrz.generator.td1 import TD1CodeGenerator
from mrz.generator.td3 import TD3CodeGenerator
from PIL import Image, ImageDraw, ImageFilter, ImageFont

OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
PX_PER_MM = 10  # a TD3 page (125 x 88 mm) is 1250 x 880 pixels
PAPER = (236, 232, 218)
INK = (25, 25, 30)


@dataclass(frozen=True)
class Identity:
    """What the page shows. Dates are YYMMDD, as in the MRZ."""

    surname: str = "EL AMRANI"
    given_names: str = "FATIMA ZAHRA"
    document_number: str = "AB1234567"
    country: str = "MAR"
    nationality: str = "MAR"
    birth_date: str = "520314"
    sex: str = "F"
    expiry_date: str = "310722"
    optional_data: str = ""

    def td3_lines(self) -> list[str]:
        """The passport MRZ, exactly as printed."""
        code = TD3CodeGenerator(
            "P",
            self.country,
            self.surname,
            self.given_names,
            self.document_number,
            self.nationality,
            self.birth_date,
            self.sex,
            self.expiry_date,
            self.optional_data,
            force=True,
        )
        return str(code).splitlines()

    def td1_lines(self) -> list[str]:
        """The ID card MRZ, exactly as printed."""
        code = TD1CodeGenerator(
            "ID",
            self.country,
            self.document_number,
            self.birth_date,
            self.sex,
            self.expiry_date,
            self.nationality,
            self.surname,
            self.given_names,
            self.optional_data,
            force=True,
        )
        return str(code).splitlines()


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _mrz_font() -> ImageFont.FreeTypeFont:
    """OCR-B sized so one character advances 2.54 mm (ten to the inch)."""
    pitch = 2.54 * PX_PER_MM
    probe = _font(OCRB, 100)
    return _font(OCRB, round(100 * pitch / probe.getlength("<")))


def _draw_mrz(draw: ImageDraw.ImageDraw, lines: list[str], left: int, bottom: int) -> None:
    font = _mrz_font()
    pitch = 2.54 * PX_PER_MM
    line_gap = round(4.3 * PX_PER_MM)  # ICAO: lines about 4.3 mm apart
    top = bottom - line_gap * len(lines)
    for row, line in enumerate(lines):
        for col, ch in enumerate(line):
            draw.text((left + col * pitch, top + row * line_gap), ch, font=font, fill=INK)


def _photo(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    """A stand-in portrait: a light backdrop, shoulders, a head."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=(205, 215, 225), outline=(120, 120, 120), width=2)
    cx, w, h = (x0 + x1) // 2, x1 - x0, y1 - y0
    draw.chord(
        (x0 + w * 0.1, y0 + h * 0.7, x1 - w * 0.1, y1 + h * 0.3), 180, 360, fill=(60, 70, 95)
    )
    draw.ellipse((cx - w * 0.25, y0 + h * 0.18, cx + w * 0.25, y0 + h * 0.68), fill=(196, 160, 130))
    draw.pieslice(
        (cx - w * 0.28, y0 + h * 0.1, cx + w * 0.28, y0 + h * 0.55), 180, 360, fill=(50, 35, 30)
    )


def _fields(draw: ImageDraw.ImageDraw, items: list[tuple[str, str]], left: int, top: int) -> None:
    label_font, value_font = _font(SANS, 17), _font(SANS_BOLD, 26)
    y = top
    for label, value in items:
        draw.text((left, y), label, font=label_font, fill=(90, 90, 110))
        draw.text((left, y + 20), value, font=value_font, fill=INK)
        y += 62


def _date(yymmdd: str, past: bool = True) -> str:
    months = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), yymmdd[4:]
    year = (1900 + yy) if (past and yy > 30) else 2000 + yy
    return f"{dd} {months[mm - 1]} {year}"


def passport_page(identity: Identity | None = None) -> Image.Image:
    """A TD3 passport data page (RGB, 1250 x 880) with ``identity.td3_lines()`` as its MRZ."""
    who = identity or Identity()
    page = Image.new("RGB", (125 * PX_PER_MM, 88 * PX_PER_MM), PAPER)
    draw = ImageDraw.Draw(page)
    for y in range(0, page.height, 14):  # a faint guilloche-like background
        draw.arc((-200, y - 300, page.width + 200, y + 300), 0, 180, fill=(226, 221, 205))
    draw.text((60, 30), "ROYAUME DU MAROC", font=_font(SANS_BOLD, 34), fill=(120, 30, 40))
    draw.text((60, 72), "PASSEPORT / PASSPORT", font=_font(SANS, 20), fill=(90, 90, 110))
    _photo(draw, (60, 130, 340, 500))
    _fields(
        draw,
        [
            ("Type / Type", "P"),
            ("Nom / Surname", who.surname),
            ("Prénoms / Given names", who.given_names),
            ("Nationalité / Nationality", who.nationality),
            ("Date de naissance / Date of birth", _date(who.birth_date)),
        ],
        390,
        125,
    )
    _fields(
        draw,
        [
            ("N° du passeport / Passport No.", who.document_number),
            ("Sexe / Sex", who.sex),
            ("Date d'expiration / Date of expiry", _date(who.expiry_date, past=False)),
        ],
        860,
        125,
    )
    _draw_mrz(draw, who.td3_lines(), left=round(6 * PX_PER_MM), bottom=page.height - 45)
    return page


def id_card(identity: Identity | None = None) -> Image.Image:
    """The back of a TD1 identity card (RGB, 856 x 540) with a three-line MRZ."""
    who = identity or Identity()
    page = Image.new("RGB", (856, 540), (222, 232, 236))
    draw = ImageDraw.Draw(page)
    draw.text((40, 30), "CARTE NATIONALE D'IDENTITÉ", font=_font(SANS_BOLD, 28), fill=INK)
    draw.text((40, 80), f"Adresse: 12 RUE DES ORANGERS, {who.country}", font=_font(SANS, 20))
    _draw_mrz(draw, who.td1_lines(), left=40, bottom=page.height - 20)
    return page


def landscape() -> Image.Image:
    """A picture with text but no MRZ (a shop sign on a wall): must be refused."""
    page = Image.new("RGB", (1200, 800), (150, 170, 190))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 500, 1200, 800), fill=(90, 110, 70))
    draw.rectangle((200, 200, 1000, 420), fill=(245, 240, 230))
    draw.text((240, 240), "BOULANGERIE", font=_font(SANS_BOLD, 90), fill=(120, 30, 40))
    draw.text((240, 350), "PAIN <<< CROISSANTS 0612345678", font=_font(SANS, 36), fill=INK)
    return page


def degrade(
    page: Image.Image,
    *,
    blur: float = 0.0,
    noise: float = 0.0,
    rotate: float = 0.0,
    perspective: float = 0.0,
    glare: bool = False,
    seed: int = 7,
) -> Image.Image:
    """The page as a phone would photograph it, on a dark table.

    ``blur`` is a Gaussian radius in pixels, ``noise`` the standard deviation of
    grey noise, ``rotate`` degrees counter-clockwise, ``perspective`` the share
    of the width by which the top edge is narrowed (a page seen at an angle),
    ``glare`` a burnt-out reflection across the MRZ.
    """
    rng = random.Random(seed)
    margin = 120
    canvas = Image.new("RGB", (page.width + 2 * margin, page.height + 2 * margin), (70, 60, 55))
    canvas.paste(page, (margin, margin))
    if glare:
        overlay = Image.new("L", canvas.size, 0)
        ImageDraw.Draw(overlay).ellipse(
            (
                margin + page.width * 0.25,
                margin + page.height * 0.7,
                margin + page.width * 0.6,
                margin + page.height * 1.02,
            ),
            fill=255,
        )
        overlay = overlay.filter(ImageFilter.GaussianBlur(12))
        canvas = Image.composite(Image.new("RGB", canvas.size, (255, 255, 255)), canvas, overlay)
    if perspective:
        w, h = canvas.size
        d = perspective * w
        quad = (-d, 0, 0, h, w, h, w + d, 0)  # top edge seen wider: drawn narrower
        canvas = canvas.transform(
            canvas.size,
            Image.Transform.QUAD,
            quad,
            Image.Resampling.BICUBIC,
            fillcolor=(70, 60, 55),
        )
    if rotate:
        canvas = canvas.rotate(
            rotate, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(70, 60, 55)
        )
    if blur:
        canvas = canvas.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        canvas = _add_noise(canvas, noise, rng)
    return canvas


def _add_noise(picture: Image.Image, sigma: float, rng: random.Random) -> Image.Image:
    import numpy as np

    generator = np.random.default_rng(rng.randint(0, 2**31))
    pixels = np.asarray(picture, dtype=np.float32)
    pixels = pixels + generator.normal(0.0, sigma, pixels.shape[:2])[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def jpeg(picture: Image.Image, quality: int = 85) -> bytes:
    """The picture as JPEG bytes (``quality`` low for visible artefacts)."""
    out = io.BytesIO()
    picture.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def png(picture: Image.Image) -> bytes:
    """The picture as PNG bytes."""
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()
