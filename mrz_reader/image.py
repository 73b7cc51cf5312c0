"""Pictures in, MRZ strips out: loading, finding the zone, straightening, quality.

The zone is found by passporteye's method (Hans Boone's: black top-hat,
vertical Sobel, closing, Otsu, then passporteye's ``MRZBoxLocator`` merging the
line boxes); the strip is cut out of the full-resolution picture, straightened
by the box's angle.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024  # a phone photo is a few MB; more is not a photo
MAX_PIXELS = 50_000_000  # beyond this PIL's decompression-bomb guard would fire
# Long side the picture is brought down to before anything else: an MRZ on a
# page filling a 2000 px frame has characters ~30 px tall, plenty for OCR.
WORK_SIDE = 2000
# passporteye finds the zone on a copy this wide (its default, tuned for it);
# the second width is for a page filling less than half the photo.
LOCATE_WIDTH = 250
LOCATE_WIDTHS = (LOCATE_WIDTH, 640)
# A strip narrower than this has characters too small for tesseract: it is
# enlarged before the first pass, not after.
SMALL_STRIP = 450
# Box margin around the found lines, in LOCATE_WIDTH pixels (passporteye's).
MARGIN = 5
# A box further than this from horizontal is not read at this turn of the
# picture (the 90° turns catch a page photographed sideways).
MAX_TILT = math.radians(20)


class NotAnImage(ValueError):
    """The bytes are not a picture PIL can read (or are far too large to be one)."""


def load(source: bytes | str | Path) -> Image.Image:
    """The picture as 8-bit grey, upright per its EXIF tag, at most WORK_SIDE long."""
    if isinstance(source, bytes):
        if len(source) > MAX_BYTES:
            raise NotAnImage("too large")
        stream: io.BytesIO | str | Path = io.BytesIO(source)
    else:
        stream = source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise NotAnImage("too many pixels")
                opened.draft("L", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at a smaller size
                picture = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage(str(exc)) from exc
    if max(picture.size) > WORK_SIDE:
        picture.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    return picture


def _boone(small: np.ndarray) -> np.ndarray:
    """passporteye's BooneTransform, with scikit-image's current footprint API."""
    from skimage import filters, morphology

    footprint = morphology.footprint_rectangle((5, 5))
    tophat = morphology.black_tophat(small, footprint)
    edges = np.abs(filters.sobel_v(tophat))
    closed = morphology.closing(edges, footprint)
    if closed.max() <= closed.min():
        return np.zeros(closed.shape, dtype=bool)
    return closed > filters.threshold_otsu(closed)


def find_boxes(picture: Image.Image, width: int = LOCATE_WIDTH) -> tuple[list, float, bool]:
    """Candidate MRZ boxes on a ``width``-wide copy (largest first), that copy's scale,
    and whether some candidate runs up and down (the page may be sideways).

    passporteye's locator, then two fixes: a box's angle is only known up to a
    half turn, so it is taken upright (the turns of the whole picture handle
    upside-down pages), and boxes far from horizontal are left to the 90° turns.
    """
    from passporteye.mrz.image import MRZBoxLocator

    scale = min(1.0, width / picture.width)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    small = np.asarray(picture.resize(size, Image.Resampling.BOX), dtype=np.float64) / 255.0
    found = [_upright(box) for box in MRZBoxLocator()(_boone(small))]
    boxes = [box for box in found if abs(box.angle - math.pi / 2) <= MAX_TILT]
    sideways = any(abs(box.angle - math.pi / 2) > math.pi / 4 for box in found)
    return _merged(boxes) + boxes, scale, sideways


def _upright(box):
    from passporteye.util.geometry import RotatedBox

    return RotatedBox(box.center, box.width, box.height, box.angle % math.pi, box.points)


def _merged(boxes: list) -> list:
    """Boxes for lines the locator kept apart (a TD1's first line often is).

    passporteye merges neighbouring line boxes only while the result stays five
    times wider than tall, which a three-line TD1 on a narrow card misses.
    """
    from passporteye.util.geometry import RotatedBox

    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            rows_apart = abs(a.center[0] - b.center[0])
            cols_apart = abs(a.center[1] - b.center[1])
            if (
                abs(a.angle - b.angle) <= 0.1
                and 0.6 < a.width / b.width < 1.6
                and cols_apart < 0.2 * max(a.width, b.width)
                and rows_apart < 1.5 * (a.height + b.height)
            ):
                merged = RotatedBox.from_points(np.vstack([a.points, b.points]), "bb")
                if merged.height > 0 and merged.width / merged.height >= 3:
                    out.append(_upright(merged))
    return out


def extract(picture: Image.Image, box, scale: float) -> Image.Image:
    """The box cut out of the full picture and turned straight (text lines horizontal)."""
    factor = 1.0 / scale
    row, col = (float(v) * factor for v in box.center)
    w = (box.width + 2 * MARGIN) * factor
    h = (box.height + 2 * MARGIN) * factor
    radius = math.ceil(math.hypot(w, h) / 2) + 2
    left, top = round(col) - radius, round(row) - radius
    # Paste onto white so that a box at the picture's edge is not framed in black.
    canvas = Image.new("L", (2 * radius, 2 * radius), 255)
    canvas.paste(picture.crop((left, top, left + 2 * radius, top + 2 * radius)), (0, 0))
    if (
        left < 0
        or top < 0
        or left + 2 * radius > picture.width
        or top + 2 * radius > picture.height
    ):
        canvas = _whiten_outside(canvas, picture, left, top)
    degrees = (math.pi / 2 - box.angle) * 180 / math.pi
    if abs(degrees) > 0.05:
        canvas = canvas.rotate(
            degrees, resample=Image.Resampling.BICUBIC, center=(radius, radius), fillcolor=255
        )
    return canvas.crop(
        (round(radius - w / 2), round(radius - h / 2), round(radius + w / 2), round(radius + h / 2))
    )


def _whiten_outside(canvas: Image.Image, picture: Image.Image, left: int, top: int) -> Image.Image:
    """Paint white what lay outside the picture (PIL's crop fills it with black)."""
    mask = Image.new("L", canvas.size, 255)
    inside = (max(0, -left), max(0, -top), picture.width - left, picture.height - top)
    mask.paste(0, inside)
    canvas.paste(255, (0, 0), mask)
    return canvas


def upscale(strip: Image.Image, target_width: int = 1050) -> Image.Image:
    """The strip enlarged (passporteye's retry for small MRZs)."""
    if strip.width >= target_width:
        return strip
    factor = target_width / strip.width
    size = (target_width, max(1, round(strip.height * factor)))
    return strip.resize(size, Image.Resampling.BICUBIC)


# -- Picture quality: only consulted to explain a failed read ------------------

# Sharpness of the strip: the mean absolute Laplacian of the strip scaled to a
# fixed character height. Printed OCR-B at that size measures 0.06–0.15 when in
# focus; a 3 px Gaussian blur brings it under 0.03.
BLUR_SHARPNESS = 0.035
STRIP_HEIGHT = 120
# Glare: a blown-out patch (grey >= 250) larger than this share of the strip
# (or, with no strip, of the picture, away from its border) on a page that is
# not itself blown out.
GLARE_LEVEL = 250
GLARE_SHARE_STRIP = 0.06
GLARE_SHARE_PICTURE = 0.015


def sharpness(strip: Image.Image) -> float:
    """How crisp the strip's edges are (see BLUR_SHARPNESS)."""
    from scipy import ndimage

    factor = STRIP_HEIGHT / max(1, strip.height)
    size = (max(1, round(strip.width * factor)), STRIP_HEIGHT)
    grey = np.asarray(strip.resize(size, Image.Resampling.BILINEAR), dtype=np.float64) / 255.0
    return float(np.mean(np.abs(ndimage.laplace(grey))))


# Sharpness of a whole picture: the 99th percentile of the absolute Laplacian
# at 800 px wide (its sharpest edges). Photos of pages, in focus, measure
# 0.3–0.9; a 2.5 px Gaussian blur brings a page to 0.1, a 5 px one to 0.03.
PICTURE_BLUR = 0.08
PICTURE_WIDTH = 800


def picture_blurred(picture: Image.Image) -> bool:
    """Whether the whole picture is out of focus (nothing MRZ-like could be seen)."""
    from scipy import ndimage

    factor = PICTURE_WIDTH / picture.width
    size = (PICTURE_WIDTH, max(1, round(picture.height * factor)))
    grey = np.asarray(picture.resize(size, Image.Resampling.BILINEAR), dtype=np.float64) / 255.0
    return float(np.percentile(np.abs(ndimage.laplace(grey)), 99)) < PICTURE_BLUR


def is_blurred(strip: Image.Image) -> bool:
    """Whether the strip is too soft to read (the page is out of focus or moved)."""
    return sharpness(strip) < BLUR_SHARPNESS


def has_glare(region: Image.Image, *, whole_picture: bool = False) -> bool:
    """Whether a reflection burns out part of the region.

    A reflection is a blown-out patch on paper that is not itself blown out
    (white paper photographed overexposed tells nothing). On a whole picture
    only patches away from the border count: a white table or wall around the
    document is not a reflection.
    """
    from scipy import ndimage

    grey = np.asarray(region)
    burnt = grey >= GLARE_LEVEL
    if not burnt.any() or float(np.percentile(grey, 60)) >= GLARE_LEVEL - 8:
        return False
    labels, count = ndimage.label(burnt)
    sizes = ndimage.sum_labels(burnt, labels, index=np.arange(1, count + 1))
    if whole_picture:
        edge = set(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]).tolist())
        inner = [size for i, size in enumerate(sizes, start=1) if i not in edge]
        return bool(inner) and max(inner) > GLARE_SHARE_PICTURE * grey.size
    return bool(sizes.max() > GLARE_SHARE_STRIP * grey.size)
