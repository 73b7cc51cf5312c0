"""Face engine fixtures: the shared portraits (tests/portraits.py) and helpers to alter them."""

# ruff: noqa: F811  (fixtures imported from tests/portraits.py are parameter names here)
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

# Make the repository root importable when pytest runs without installing the project.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from face_engine import encode_reference  # noqa: E402
from tests.portraits import (  # noqa: E402, F401  (shared fixtures)
    astronaut,
    astronaut_jpeg,
    astronaut_template,
    camera_frame,
    encode_picture,
    grace,
)

frame_from_portrait = camera_frame


@pytest.fixture(scope="session")
def picture_bytes():
    """The helper that encodes a PIL image into upload bytes."""
    return encode_picture


@pytest.fixture(scope="session")
def selfie_frame():
    """The helper that puts a portrait on a 640x480 camera frame."""
    return frame_from_portrait


@pytest.fixture(scope="session")
def grace_jpeg(grace: Image.Image) -> bytes:
    """Grace Hopper as a JPEG upload."""
    return encode_picture(grace, quality=92)


@pytest.fixture(scope="session")
def grace_template(grace_jpeg: bytes) -> np.ndarray:
    """Grace Hopper's 128-d encoding, computed once."""
    return encode_reference(grace_jpeg)
