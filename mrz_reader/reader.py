"""Read the MRZ of one picture: orientations, zones, OCR passes, then the verdict.

The cheap path first: the picture as taken, the zone passporteye finds on a
small copy, one legacy-engine OCR pass. Only when that does not give a valid MRZ
beyond doubt does the reader spend more: the LSTM engine (G against 6), the
enlarged strip (names decided by a vote), a strip read upside down turned over,
the picture turned a quarter when its zones run up and down, a larger copy when
the page is small in the photo. A picture without a valid MRZ answers why,
never a guess.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from . import image as img, result as codes
from .decide import names_suspicious, parse_fields, settle_g6, uncertain, vote
from .ocr import ocr
from .result import MrzResult
from .text import Reading, fit

# A picture is read as taken; if no MRZ comes out and some candidate zone runs
# up and down, turned a quarter. Upside-down strips are turned by the strip
# reader (passporteye's ">" cue), so a half turn of the picture is never needed,
# and the quarter turn covers both sideways holds. Small tilts are handled by
# the box's own angle.
MAX_BOXES = 3
# Text that looks like an MRZ someone failed to read: a run of fillers.
MRZ_LIKE = re.compile(r"<<<<")


@dataclass
class _Attempt:
    """What the failed tries saw, to explain the failure."""

    best: Reading | None = None
    strip: Image.Image | None = None
    any_text: bool = False

    def keep(self, reading: Reading | None, strip: Image.Image) -> None:
        if self.strip is None:
            self.strip = strip
        if reading is not None and (self.best is None or reading.score > self.best.score):
            self.best, self.strip = reading, strip


def read(source: bytes | str | Path) -> MrzResult:
    """Read the MRZ in a picture (its bytes or its path)."""
    started = time.perf_counter()
    try:
        picture = img.load(source)
    except img.NotAnImage:
        return MrzResult(False, reason=codes.NOT_AN_IMAGE, seconds=_since(started))
    attempt = _Attempt()
    reading = _read_picture(picture, attempt)
    if reading is not None:
        return MrzResult(True, reading.lines, parse_fields(reading), None, _since(started))
    return MrzResult(False, reason=_why(picture, attempt), seconds=_since(started))


def warm_up() -> None:
    """Import the heavy libraries now (passporteye pulls in scikit-learn and
    matplotlib: seconds), e.g. in a worker before it forks a child per job."""
    import passporteye.mrz.image  # noqa: F401
    import skimage.filters  # noqa: F401


def _read_picture(picture: Image.Image, attempt: _Attempt) -> Reading | None:
    """The picture's valid reading, looking closer when nothing MRZ-like was seen.

    The zone is first looked for on a small copy (passporteye's 250 px); a page
    filling less than half the photo has MRZ lines too thin there, so a larger
    copy is tried next, unless the first look already found MRZ text.
    """
    for width in img.LOCATE_WIDTHS:
        reading, sideways = _read_turned(picture, attempt, width)
        if reading is None and sideways and attempt.best is None:
            reading, _ = _read_turned(picture.rotate(90, expand=True), attempt, width)
        if reading is not None or attempt.best is not None or attempt.any_text:
            return reading
    return None


def _read_turned(
    picture: Image.Image, attempt: _Attempt, width: int
) -> tuple[Reading | None, bool]:
    """The first valid reading among the picture's candidate zones, and whether
    some zone runs up and down."""
    boxes, scale, sideways = img.find_boxes(picture, width)
    for box in boxes[:MAX_BOXES]:
        strip = img.extract(picture, box, scale)
        if strip.width < 50 or strip.height < 10:
            continue
        reading = _read_strip(strip, attempt)
        if reading is not None and reading.valid:
            return reading, sideways
    return None, sideways


def _read_strip(strip: Image.Image, attempt: _Attempt) -> Reading | None:
    """The strip's best reading: one pass when it is clean, more and a vote otherwise.

    Legacy engine first (the best on OCR-B's fillers); if its reading is in
    doubt, the LSTM engine (the better judge of G against 6); if the names are
    still in doubt, the legacy engine on the enlarged strip, and a vote.
    """
    large = img.upscale(strip)
    first = large if strip.width < img.SMALL_STRIP else strip  # too small as it is
    passes = [(first, True), (strip, False), (strip if first is large else large, True)]
    readings: list[Reading] = []
    lstm: Reading | None = None
    flipped = False
    for picture, legacy in passes:
        if flipped:
            picture = picture.rotate(180)
        text = ocr_strip(picture, legacy)
        if not readings and not flipped and "<" not in text and ">" in text:
            # The page is upside down: OCR-B's "<" reads as ">" (passporteye's cue).
            flipped = True
            picture = picture.rotate(180)
            text = ocr_strip(picture, legacy)
        attempt.any_text = attempt.any_text or MRZ_LIKE.search(text) is not None
        reading = fit(text)
        if reading is None:
            attempt.keep(None, picture)
            if not readings and "<" not in text:
                return None  # no MRZ here: do not spend two more passes on it
            continue
        attempt.keep(reading, picture)
        readings.append(reading)
        if not legacy:
            lstm = reading
        best = settle_g6(vote(readings), lstm)
        if len(readings) == 1 and best.valid and not uncertain(best):
            return best
        if len(readings) == 2 and best.valid and not names_suspicious(best):
            return best
    if not readings:
        return None
    return settle_g6(vote(readings), lstm)


def ocr_strip(strip: Image.Image, legacy: bool) -> str:
    """OCR one strip (a seam for tests and the benchmark)."""
    import numpy as np

    return ocr(np.asarray(strip), legacy=legacy)


def _why(picture: Image.Image, attempt: _Attempt) -> str:
    """The reason code for a picture that gave no valid MRZ."""
    if attempt.strip is not None and (attempt.best is not None or attempt.any_text):
        if img.has_glare(attempt.strip):
            return codes.GLARE
        if img.is_blurred(attempt.strip):
            return codes.BLUR
        if attempt.best is not None and attempt.best.checks_ok < attempt.best.checks_total:
            return codes.CHECK_DIGITS
        return codes.UNREADABLE
    if img.has_glare(picture, whole_picture=True):
        return codes.GLARE
    if img.picture_blurred(picture):
        return codes.BLUR
    return codes.NO_MRZ


def _since(started: float) -> float:
    return time.perf_counter() - started
