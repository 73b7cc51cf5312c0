"""Chip photos in JPEG 2000 (common in real passports) are shown as JPEG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from webapp.services.chip_photo import for_browser


def _photo(fmt: str) -> bytes:
    rng = np.random.default_rng(7)
    pixels = (rng.random((80, 60, 3)) * 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt)
    return out.getvalue()


def test_jpeg_2000_is_reencoded_as_a_jpeg_of_the_same_size():
    jp2 = _photo("JPEG2000")
    assert jp2[:2] != b"\xff\xd8"
    shown, mime = for_browser(jp2)
    assert mime == "image/jpeg" and shown[:2] == b"\xff\xd8"
    with Image.open(io.BytesIO(shown)) as image:
        assert image.format == "JPEG" and image.size == (60, 80)


def test_a_jpeg_is_served_unchanged():
    jpeg = _photo("JPEG")
    assert for_browser(jpeg) == (jpeg, "image/jpeg")


def test_unreadable_bytes_are_not_called_an_image():
    shown, mime = for_browser(b"\x00\x00\x00\x0cjP  \r\n\x87\ngarbage")
    assert mime == "application/octet-stream"
