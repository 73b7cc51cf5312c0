"""Real faces shipped with installed packages, and helpers to alter them.

Eileen Collins (``skimage.data.astronaut``) and Grace Hopper (matplotlib's
sample ``grace_hopper.jpg``) are two different people. Decoding, detecting and
encoding are slow-ish (~0.2 s a face), so encodings are cached per session.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib.cbook
import numpy as np
import pytest
import skimage.data
from PIL import Image

# Make the repository root importable when pytest runs without installing the project.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from face_engine import encode_reference  # noqa: E402


def encode_picture(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    """Encode a PIL image as an uploaded file would arrive."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def frame_from_portrait(portrait: Image.Image, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """The portrait centred on a grey 640x480 frame, as a phone camera would give."""
    frame = Image.new("RGB", size, (120, 120, 120))
    scale = size[1] / portrait.height
    face = portrait.resize((round(portrait.width * scale), size[1]))
    frame.paste(face, ((size[0] - face.width) // 2, 0))
    return frame


@pytest.fixture(scope="session")
def picture_bytes():
    """The helper that encodes a PIL image into upload bytes."""
    return encode_picture


@pytest.fixture(scope="session")
def selfie_frame():
    """The helper that puts a portrait on a 640x480 camera frame."""
    return frame_from_portrait


@pytest.fixture(scope="session")
def astronaut() -> Image.Image:
    """Eileen Collins, 512x512 RGB."""
    return Image.fromarray(skimage.data.astronaut())


@pytest.fixture(scope="session")
def grace() -> Image.Image:
    """Grace Hopper, 512x600 RGB."""
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
        return Image.open(handle).convert("RGB")


@pytest.fixture(scope="session")
def astronaut_jpeg(astronaut: Image.Image) -> bytes:
    """Eileen Collins as a JPEG upload."""
    return encode_picture(astronaut, quality=92)


@pytest.fixture(scope="session")
def grace_jpeg(grace: Image.Image) -> bytes:
    """Grace Hopper as a JPEG upload."""
    return encode_picture(grace, quality=92)


@pytest.fixture(scope="session")
def astronaut_template(astronaut_jpeg: bytes) -> np.ndarray:
    """Eileen Collins' 128-d encoding, computed once."""
    return encode_reference(astronaut_jpeg)


@pytest.fixture(scope="session")
def grace_template(grace_jpeg: bytes) -> np.ndarray:
    """Grace Hopper's 128-d encoding, computed once."""
    return encode_reference(grace_jpeg)
