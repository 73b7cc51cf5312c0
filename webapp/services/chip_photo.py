"""A passport chip's photo made showable: many chips hold JPEG 2000, which browsers
(Chromium, Firefox) do not display; Pillow (with OpenJPEG) re-encodes it as JPEG.

Only for showing the photo to the person or the adviser; the face engine reads the
original bytes.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

JPEG_SIGNATURE = b"\xff\xd8"


def for_browser(photo: bytes) -> tuple[bytes, str]:
    """(bytes, MIME type) a browser can show: JPEG as it is, anything else re-encoded."""
    if photo[:2] == JPEG_SIGNATURE:
        return photo, "image/jpeg"
    try:
        with Image.open(io.BytesIO(photo)) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=90)
    except (UnidentifiedImageError, OSError, ValueError):
        return photo, "application/octet-stream"  # unreadable: the page shows no picture
    return out.getvalue(), "image/jpeg"
