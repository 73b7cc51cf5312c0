"""Named errors raised by the face engine.

Every error carries a stable ``code`` (one of
:data:`face_engine.messages.CODES`), so callers word it for the pensioner
from their own catalogue and log the reason without parsing exception text.
"""

from __future__ import annotations


class FaceEngineError(Exception):
    """Base class: a bad input the engine refuses, with a message key."""

    code = "face_engine_error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{self.code}: {detail}" if detail else self.code)
        self.detail = detail


class ImageError(FaceEngineError):
    """The uploaded bytes cannot be used as a picture."""

    code = "not_an_image"


class NotAnImage(ImageError):
    """The bytes are not a picture at all."""

    code = "not_an_image"


class UnsupportedImageFormat(ImageError):
    """A picture, but not in an accepted format."""

    code = "unsupported_format"


class TruncatedImage(ImageError):
    """The picture stops before its end (an interrupted upload)."""

    code = "image_truncated"


class ImageTooLarge(ImageError):
    """Too many bytes or too many pixels (a decompression bomb, say)."""

    code = "image_too_large"


class TemplateError(FaceEngineError):
    """A stored face template cannot be read."""

    code = "template_invalid"


class TemplateTampered(TemplateError):
    """The encrypted template failed authentication: altered, or wrong key."""

    code = "template_tampered"


class InvalidKey(FaceEngineError):
    """The template encryption key is missing or malformed."""

    code = "invalid_key"


class PictureRefused(FaceEngineError):
    """A picture failed the quality gate where a usable face was required.

    ``reasons`` holds every :class:`~face_engine.messages.QualityReason`;
    ``code`` is the first one's, for a single message.
    """

    def __init__(self, reasons: tuple) -> None:  # tuple[QualityReason, ...]
        self.reasons = tuple(reasons)
        self.code = self.reasons[0].code if self.reasons else "no_face"
        super().__init__(", ".join(r.code for r in self.reasons))
