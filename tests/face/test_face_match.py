"""Matching a selfie with a reference: same person under changes, others not."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageEnhance

from face_engine import (
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    MatchOutcome,
    NotAnImage,
    PictureRefused,
    encode_reference,
    verify,
    verify_template,
)
from face_engine.match import decide, face_distance


def _rotated(image: Image.Image, degrees: float) -> Image.Image:
    return image.rotate(degrees, expand=True, fillcolor=(120, 120, 120))


def _exif_sideways(image: Image.Image, picture_bytes) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return picture_bytes(image.transpose(Image.Transpose.ROTATE_90), exif=exif.tobytes())


def _requantised(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


CHANGES = {
    "tilted 12 degrees": lambda im: _rotated(im, 12),
    "tilted -15 degrees": lambda im: _rotated(im, -15),
    "twice as large": lambda im: im.resize((im.width * 2, im.height * 2)),
    "dim light": lambda im: ImageEnhance.Brightness(im).enhance(0.55),
    "bright light": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "low contrast": lambda im: ImageEnhance.Contrast(im).enhance(0.6),
    "jpeg quality 20": lambda im: _requantised(im, 20),
    "black and white": lambda im: im.convert("L").convert("RGB"),
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("person", ["grace", "astronaut"])
def test_same_person_matches_after_change(request, picture_bytes, person, change):
    portrait = request.getfixturevalue(person)
    template = request.getfixturevalue(f"{person}_template")
    decision = verify_template(template, picture_bytes(CHANGES[change](portrait)))
    assert decision.decision == "match", decision
    assert decision.distance <= MATCH_THRESHOLD


def test_half_size_selfie_still_matches(grace, grace_template, picture_bytes):
    small = grace.resize((grace.width // 2, grace.height // 2))
    assert verify_template(grace_template, picture_bytes(small)).decision == "match"


def test_phone_photo_with_exif_rotation_matches(grace, grace_jpeg, picture_bytes):
    decision = verify(grace_jpeg, _exif_sideways(grace, picture_bytes))
    assert decision.decision == "match"
    assert decision.distance < 0.2


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_selfies_match(astronaut, astronaut_jpeg, picture_bytes, fmt):
    assert verify(astronaut_jpeg, picture_bytes(astronaut, fmt)).decision == "match"


def test_passport_chip_photo_in_jpeg_2000_matches_a_selfie(grace, grace_jpeg, picture_bytes):
    # Most passports store the DG2 photo as a small JPEG 2000 of ~10 kB.
    chip_photo = picture_bytes(
        grace.resize((300, 351)), "JPEG2000", quality_mode="rates", quality_layers=[20]
    )
    assert len(chip_photo) < 20_000
    assert verify(chip_photo, grace_jpeg).decision == "match"


def test_two_different_people_do_not_match(grace_jpeg, astronaut_jpeg):
    decision = verify(grace_jpeg, astronaut_jpeg)
    assert decision.decision == "no_match"
    assert decision.distance > REVIEW_THRESHOLD


def test_different_person_in_any_light_is_never_accepted(astronaut, grace_template, picture_bytes):
    for change in ("dim light", "bright light", "black and white"):
        selfie = picture_bytes(CHANGES[change](astronaut))
        assert verify_template(grace_template, selfie).decision == "no_match", change


def test_selfie_without_face_is_refused_not_compared(grace_jpeg, picture_bytes):
    decision = verify(grace_jpeg, picture_bytes(Image.new("RGB", (640, 480), (30, 30, 30))))
    assert decision == MatchOutcome("refused", None, decision.quality)
    assert [r.code for r in decision.quality] == ["no_face"]
    assert decision.reference_quality == ()


def test_unusable_reference_is_reported_separately(grace_jpeg, picture_bytes):
    blank = picture_bytes(Image.new("RGB", (400, 500), (200, 200, 200)))
    decision = verify(blank, grace_jpeg)
    assert decision.decision == "refused"
    assert decision.to_dict()["reference_quality"] == ["no_face"]
    assert decision.to_dict()["quality"] == []


def test_encoding_a_blank_reference_raises_picture_refused(picture_bytes):
    with pytest.raises(PictureRefused) as caught:
        encode_reference(picture_bytes(Image.new("RGB", (400, 500))))
    assert caught.value.code == "no_face"


def test_unreadable_selfie_raises_a_named_error(grace_jpeg):
    with pytest.raises(NotAnImage):
        verify(grace_jpeg, b"%PDF-1.7 not a photo")


def test_distance_between_the_two_grey_zone_thresholds_goes_to_review():
    assert decide(MATCH_THRESHOLD) == "match"
    assert decide((MATCH_THRESHOLD + REVIEW_THRESHOLD) / 2) == "review"
    assert decide(REVIEW_THRESHOLD) == "review"
    assert decide(REVIEW_THRESHOLD + 0.001) == "no_match"


def test_decision_json_form(grace_template, astronaut_template):
    distance = face_distance(grace_template, astronaut_template)
    out = MatchOutcome(decide(distance), distance).to_dict()
    assert out["decision"] == "no_match"
    assert out["distance"] == round(distance, 4)
    assert out["quality"] == []
