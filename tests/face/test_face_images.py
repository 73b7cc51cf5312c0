"""Reading uploads: formats, EXIF orientation, and bad input with named errors."""

from __future__ import annotations

import random
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from face_engine import (
    ImageError,
    ImageTooLarge,
    NotAnImage,
    TruncatedImage,
    UnsupportedImageFormat,
)
from face_engine.images import MAX_BYTES, load_image

EXIF_ORIENTATION = 0x0112


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_uploads_are_read_as_rgb(grace, picture_bytes, fmt):
    loaded = load_image(picture_bytes(grace, fmt))
    assert loaded.format == fmt
    assert loaded.rgb.shape == (600, 512, 3)
    assert loaded.rgb.dtype == np.uint8


def test_phone_jpeg_carrying_a_second_picture_is_read(grace, picture_bytes):
    # Some phones append a depth map or preview: Pillow calls these JPEGs MPO.
    data = picture_bytes(grace, "MPO", save_all=True, append_images=[grace.resize((64, 75))])
    loaded = load_image(data)
    assert loaded.format == "MPO"
    assert loaded.rgb.shape == (600, 512, 3)


def test_phone_portrait_stored_sideways_is_turned_upright(grace, picture_bytes):
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6  # "rotate 90 degrees clockwise to display"
    sideways = grace.transpose(Image.Transpose.ROTATE_90)
    loaded = load_image(picture_bytes(sideways, exif=exif.tobytes()))
    assert loaded.rgb.shape == (600, 512, 3)
    assert loaded.original_size == (512, 600)


def test_big_photo_is_shrunk_to_working_size(grace, picture_bytes):
    big = grace.resize((2560, 3000))
    loaded = load_image(picture_bytes(big), max_side=1280)
    assert max(loaded.rgb.shape[:2]) == 1280
    assert loaded.original_size == (2560, 3000)
    assert loaded.scale == pytest.approx(1280 / 3000, abs=0.01)


def test_transparent_png_background_becomes_white(picture_bytes):
    clear = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    loaded = load_image(picture_bytes(clear, "PNG"))
    assert loaded.rgb.min() == 255


def test_text_file_is_not_an_image():
    with pytest.raises(NotAnImage) as caught:
        load_image(b"name,amount\nBenali,1200\n")
    assert caught.value.code == "not_an_image"
    assert str(caught.value).startswith("not_an_image")


def test_empty_upload_is_not_an_image():
    with pytest.raises(NotAnImage):
        load_image(b"")


def test_cut_short_jpeg_upload_is_reported_truncated(grace_jpeg):
    with pytest.raises(TruncatedImage) as caught:
        load_image(grace_jpeg[: len(grace_jpeg) // 2])
    assert caught.value.code == "image_truncated"


def test_gif_is_refused_as_unsupported(grace, picture_bytes):
    with pytest.raises(UnsupportedImageFormat):
        load_image(picture_bytes(grace, "GIF"))


def test_upload_over_the_byte_limit_is_refused_before_decoding():
    with pytest.raises(ImageTooLarge):
        load_image(b"\xff\xd8\xff" + bytes(MAX_BYTES))


@pytest.mark.parametrize("side", [9000, 20_000])
def test_pixel_bomb_is_refused_from_its_header(side):
    # A valid PNG header announcing side x side pixels, with no pixel data:
    # refused before anything is allocated.
    png = b"\x89PNG\r\n\x1a\n" + _png_chunk(
        b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    )
    png += _png_chunk(b"IDAT", zlib.compress(b"")) + _png_chunk(b"IEND", b"")
    with pytest.raises(ImageTooLarge):
        load_image(png)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_damaged_uploads_only_ever_raise_named_errors(grace, picture_bytes):
    # Bytes flipped, cut or inserted anywhere, EXIF included: either a picture
    # comes out or one of the engine's named errors, never anything else.
    small = grace.resize((128, 150))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    seeds = [picture_bytes(small, "JPEG", exif=exif.tobytes())]
    seeds += [picture_bytes(small, fmt) for fmt in ("PNG", "WEBP", "GIF")]
    rng = random.Random(0)
    outcomes = set()
    for _ in range(400):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            if rng.random() < 0.6:
                data[at] = rng.randrange(256)
            else:
                del data[at : at + rng.randint(1, 40)]
        try:
            load_image(bytes(data))
            outcomes.add("decoded")
        except ImageError as exc:
            outcomes.add(exc.code)
    assert {"decoded", "image_truncated", "not_an_image"} <= outcomes
