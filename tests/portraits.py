"""Real faces shipped with installed packages, as fixtures shared by tests/face and tests/proof.

Eileen Collins (``skimage.data.astronaut``) and Grace Hopper (matplotlib's
sample ``grace_hopper.jpg``) are two different people. Decoding, detecting and
encoding are slow-ish (~0.2 s a face), so templates are computed once per
session. Each conftest imports the fixtures it shares from here.
"""

from __future__ import annotations

import io

import matplotlib.cbook
import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageEnhance


def encode_picture(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    """Encode a PIL image as an uploaded file would arrive."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    """A PIL image as JPEG upload bytes."""
    return encode_picture(image, quality=quality)


def camera_frame(
    portrait: Image.Image,
    shift: int = 0,
    light: float = 1.0,
    size: tuple[int, int] = (640, 480),
) -> Image.Image:
    """The portrait centred on a grey 640x480 frame, as a phone camera gives it."""
    frame = Image.new("RGB", size, (120, 120, 120))
    face = portrait.resize((round(portrait.width * size[1] / portrait.height), size[1]))
    frame.paste(face, ((size[0] - face.width) // 2 + shift, 0))
    return ImageEnhance.Brightness(frame).enhance(light) if light != 1.0 else frame


@pytest.fixture(scope="session")
def astronaut() -> Image.Image:
    """Eileen Collins, 512x512 RGB."""
    return Image.fromarray(skimage.data.astronaut())


@pytest.fixture(scope="session")
def grace() -> Image.Image:
    """Grace Hopper, 512x600 RGB: a different person."""
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
        return Image.open(handle).convert("RGB")


@pytest.fixture(scope="session")
def astronaut_jpeg(astronaut: Image.Image) -> bytes:
    """Eileen Collins as a JPEG upload."""
    return jpeg(astronaut, 92)


@pytest.fixture(scope="session")
def astronaut_template(astronaut_jpeg: bytes) -> np.ndarray:
    """Eileen Collins' 128-d encoding, computed once."""
    import face_engine

    return face_engine.encode_reference(astronaut_jpeg)
