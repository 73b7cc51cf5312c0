"""Reference templates stored as bytes and encrypted at rest."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from face_engine import (
    InvalidKey,
    TemplateError,
    TemplateTampered,
    decrypt_template,
    encrypt_template,
    new_key,
    template_from_bytes,
    template_to_bytes,
    verify_template,
)

KEY = bytes(range(32))


def test_template_round_trips_through_bytes_exactly(grace_template):
    blob = template_to_bytes(grace_template)
    assert len(blob) == 1 + 128 * 8
    assert blob[0] == 1
    assert np.array_equal(template_from_bytes(blob), grace_template)


def test_decrypted_reference_still_matches_the_selfie(grace_template, grace_jpeg):
    stored = encrypt_template(grace_template, base64.b64encode(KEY).decode())
    reference = decrypt_template(stored, KEY)
    assert verify_template(reference, grace_jpeg).decision == "match"


def test_ciphertext_does_not_contain_the_template(grace_template):
    stored = encrypt_template(grace_template, KEY)
    assert template_to_bytes(grace_template)[1:17] not in stored
    assert encrypt_template(grace_template, KEY) != stored  # fresh nonce each time


def test_altered_ciphertext_is_detected(grace_template):
    stored = bytearray(encrypt_template(grace_template, KEY))
    stored[40] ^= 0x01
    with pytest.raises(TemplateTampered) as caught:
        decrypt_template(bytes(stored), KEY)
    assert caught.value.code == "template_tampered"


def test_wrong_key_is_detected(grace_template):
    stored = encrypt_template(grace_template, KEY)
    with pytest.raises(TemplateTampered):
        decrypt_template(stored, new_key())


def test_template_moved_to_another_pensioner_fails(grace_template):
    stored = encrypt_template(grace_template, KEY, associated_data=b"pensioner:17")
    assert decrypt_template(stored, KEY, associated_data=b"pensioner:17").shape == (128,)
    with pytest.raises(TemplateTampered):
        decrypt_template(stored, KEY, associated_data=b"pensioner:18")


@pytest.mark.parametrize("key", [b"short", "not base64!!", base64.b64encode(b"x" * 20).decode()])
def test_malformed_key_is_refused(grace_template, key):
    with pytest.raises(InvalidKey):
        encrypt_template(grace_template, key)


def test_unknown_version_and_wrong_size_are_refused(grace_template):
    stored = encrypt_template(grace_template, KEY)
    with pytest.raises(TemplateError):
        decrypt_template(b"\x02" + stored[1:], KEY)
    with pytest.raises(TemplateError):
        template_from_bytes(template_to_bytes(grace_template)[:-8])
    with pytest.raises(TemplateError):
        template_to_bytes([0.1] * 127)
    with pytest.raises(TemplateError):
        template_to_bytes([float("nan")] * 128)
