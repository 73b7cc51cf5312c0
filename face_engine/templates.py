"""Face templates (the 128 floats) as bytes, encrypted at rest.

References are stored as templates, never as photos. The plain form is a
version byte then 128 little-endian float64. The encrypted form is a version
byte, a 12-byte random nonce, then AES-GCM ciphertext and tag; the version byte
and optional ``associated_data`` (say, the pensioner id) are authenticated, so
a template copied onto another pensioner's row fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from face_engine.errors import InvalidKey, TemplateError, TemplateTampered

TEMPLATE_SIZE = 128
PLAIN_VERSION = 1
ENCRYPTED_VERSION = 1
_DTYPE = np.dtype("<f8")
_NONCE_BYTES = 12


def as_template(values: object) -> np.ndarray:
    """Validate 128 finite floats and return them as a float64 array."""
    try:
        template = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise TemplateError(str(exc)) from exc
    if template.shape != (TEMPLATE_SIZE,) or not np.all(np.isfinite(template)):
        raise TemplateError(f"expected {TEMPLATE_SIZE} finite floats")
    return template


def template_to_bytes(template: object) -> bytes:
    """Serialise a template: version byte + 128 float64 (1025 bytes)."""
    return bytes([PLAIN_VERSION]) + as_template(template).astype(_DTYPE).tobytes()


def template_from_bytes(blob: bytes) -> np.ndarray:
    """Parse :func:`template_to_bytes` output; :class:`TemplateError` if malformed."""
    if len(blob) != 1 + TEMPLATE_SIZE * _DTYPE.itemsize or blob[0] != PLAIN_VERSION:
        raise TemplateError("not a version-1 face template")
    return as_template(np.frombuffer(blob, dtype=_DTYPE, offset=1))


def load_key(key: bytes | str) -> bytes:
    """Accept a raw 16/24/32-byte AES key or its base64 text (as in config).

    The text may use the standard or the URL-safe alphabet, with or without
    ``=`` padding (``secrets.token_urlsafe(32)`` and ``new_key()`` both work).
    """
    if isinstance(key, str):
        text = key.strip().replace("-", "+").replace("_", "/").rstrip("=")
        try:
            key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidKey("the template key is not valid base64") from exc
    if not isinstance(key, bytes) or len(key) not in (16, 24, 32):
        raise InvalidKey("the template key must be 16, 24 or 32 bytes")
    return key


def new_key() -> str:
    """A fresh random 256-bit key, base64, to paste into configuration."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")


def encrypt_template(template: object, key: bytes | str, *, associated_data: bytes = b"") -> bytes:
    """Encrypt a template with AES-GCM under ``key``."""
    header = bytes([ENCRYPTED_VERSION])
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(load_key(key)).encrypt(
        nonce, template_to_bytes(template), header + associated_data
    )
    return header + nonce + sealed


def decrypt_template(blob: bytes, key: bytes | str, *, associated_data: bytes = b"") -> np.ndarray:
    """Decrypt :func:`encrypt_template` output.

    Raises :class:`TemplateTampered` if the blob was altered, the key is wrong
    or ``associated_data`` differs; :class:`TemplateError` if malformed.
    """
    aes = AESGCM(load_key(key))
    if len(blob) < 1 + _NONCE_BYTES + 16 or blob[0] != ENCRYPTED_VERSION:
        raise TemplateError("not a version-1 encrypted face template")
    header, nonce, sealed = blob[:1], blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
    try:
        plain = aes.decrypt(nonce, sealed, header + associated_data)
    except InvalidTag as exc:
        raise TemplateTampered("authentication failed") from exc
    return template_from_bytes(plain)
