"""Reading uploaded pictures safely.

Bytes from a browser are untrusted: they may be something else than a picture,
cut short by a bad connection, or crafted to explode in memory. ``load_image``
checks the byte size, the format and the pixel count *before* decoding,
applies the EXIF orientation (phones store portrait selfies as rotated landscape
pictures plus a flag) and returns an RGB array.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from face_engine.errors import ImageTooLarge, NotAnImage, TruncatedImage, UnsupportedImageFormat

#: A phone selfie is 1-5 MB; passports' DG2 photos are ~20 kB.
MAX_BYTES = 15 * 1024 * 1024
#: 40 megapixels: more than any phone camera, far less than a bomb.
MAX_PIXELS = 40_000_000
#: JPEG 2000 is what most passport chips store in DG2; MPO is how Pillow names
#: the JPEG files of phones that append a second picture (depth map, preview).
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "JPEG2000"})
EXIF_ORIENTATION = 0x0112
#: Longest side kept for landmarks and encodings. dlib aligns the face to a
#: 150 px chip, so a face several hundred pixels wide gains nothing more.
WORKING_SIDE = 1280
#: Longest side for HOG detection: a selfie face stays above the detector's
#: 80 px window, and detection time grows with the pixel count.
DETECTION_SIDE = 640


@dataclass(frozen=True)
class LoadedImage:
    """A decoded picture: ``rgb`` at working size and the scale applied to it."""

    rgb: np.ndarray
    original_size: tuple[int, int]
    format: str

    @property
    def scale(self) -> float:
        """Working width divided by the original width."""
        return self.rgb.shape[1] / self.original_size[0]


def load_image(data: bytes, *, max_side: int = WORKING_SIDE) -> LoadedImage:
    """Decode ``data`` into an upright RGB array no larger than ``max_side``.

    Raises :class:`ImageTooLarge`, :class:`NotAnImage`,
    :class:`UnsupportedImageFormat` or :class:`TruncatedImage`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise NotAnImage(f"expected bytes, got {type(data).__name__}")
    if len(data) > MAX_BYTES:
        raise ImageTooLarge(f"{len(data)} bytes > {MAX_BYTES}")
    if len(data) == 0:
        raise NotAnImage("empty upload")
    with warnings.catch_warnings():
        # Pillow warns about pixel bombs (refused below) and about damaged
        # EXIF blocks (the picture itself is still usable).
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)
        image, fmt, (width, height) = _decode(data, max_side)
    image = downscale(image, max_side)
    upright = _upright_size((width, height), image.size)
    return LoadedImage(np.asarray(image), upright, fmt)


def downscale(image: Image.Image, max_side: int) -> Image.Image:
    """Shrink ``image`` so its longest side is at most ``max_side``."""
    longest = max(image.size)
    if longest <= max_side:
        return image
    ratio = max_side / longest
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def downscale_array(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Shrink an RGB array for detection; return it and the factor applied."""
    height, width = rgb.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return rgb, 1.0
    small = downscale(Image.fromarray(rgb), max_side)
    return np.asarray(small), small.width / width


def _decode(data: bytes, max_side: int) -> tuple[Image.Image, str, tuple[int, int]]:
    try:
        opened = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(str(exc)) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise NotAnImage("unrecognised picture data") from exc
    fmt = opened.format or "?"
    if fmt not in ACCEPTED_FORMATS:
        raise UnsupportedImageFormat(fmt)
    width, height = opened.size
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(f"{width}x{height} pixels > {MAX_PIXELS}")
    try:
        if fmt in ("JPEG", "MPO"):
            # Let libjpeg decode at 1/2, 1/4 or 1/8 size: much faster for big photos.
            opened.draft("RGB", _draft_size(opened.size, max_side))
        opened.load()
        return _to_rgb(_upright(opened)), fmt, (width, height)
    except OSError as exc:
        # Pillow reports "image file is truncated" or a broken stream as OSError.
        raise TruncatedImage(str(exc)) from exc
    except (ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc


def _upright(image: Image.Image) -> Image.Image:
    try:
        if image.getexif().get(EXIF_ORIENTATION, 1) == 1:
            return image  # already upright: spare exif_transpose's full copy
        return ImageOps.exif_transpose(image)
    except (KeyError, TypeError, ValueError, SyntaxError, struct.error):
        # A mangled EXIF block says nothing reliable about orientation.
        return image


def _draft_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    # draft() picks the smallest scale still >= the requested size.
    width, height = size
    ratio = max_side / max(width, height)
    if ratio >= 1:
        return size
    return (max(1, int(width * ratio)), max(1, int(height * ratio)))


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent parts become white, like a photo booth background,
        # instead of whatever colour the hidden pixels happen to hold.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _upright_size(stored: tuple[int, int], upright: tuple[int, int]) -> tuple[int, int]:
    # exif_transpose may swap width and height; report the upright original size.
    width, height = stored
    if (upright[0] >= upright[1]) == (width >= height):
        return (width, height)
    return (height, width)
