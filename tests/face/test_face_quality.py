"""The quality gate refuses unusable selfies with a named reason."""

from __future__ import annotations

import pytest
from PIL import Image, ImageEnhance, ImageFilter

from face_engine import CODES, check_quality
from face_engine.messages import reason
from face_engine.quality import MAX_YAW, MIN_EAR, judge


def test_clear_portrait_passes_the_gate(grace_jpeg):
    result = check_quality(grace_jpeg)
    assert result.ok, result.codes
    assert result.reasons == ()
    assert result.measures["faces"] == 1
    assert result.measures["face_px"] > 150


def test_black_picture_has_no_face(picture_bytes):
    result = check_quality(picture_bytes(Image.new("RGB", (640, 480))))
    assert not result.ok
    assert result.codes == ["no_face"]
    assert result.to_dict()["reasons"] == [{"code": "no_face", "details": {}}]


def test_selfie_in_a_dark_room_is_too_dark(grace, picture_bytes):
    dark = ImageEnhance.Brightness(grace).enhance(0.2)
    result = check_quality(picture_bytes(dark))
    assert "too_dark" in result.codes
    assert result.reasons[0].details["brightness"] < 45


def test_selfie_in_direct_sunlight_is_too_bright(astronaut, picture_bytes):
    glare = ImageEnhance.Brightness(astronaut).enhance(1.6)
    assert "too_bright" in check_quality(picture_bytes(glare)).codes


def test_far_away_face_is_too_small(grace, picture_bytes):
    far = Image.new("RGB", (640, 480), (120, 120, 120))
    far.paste(grace.resize((85, 100)), (270, 190))
    result = check_quality(picture_bytes(far))
    assert result.codes == ["face_too_small"]


def test_shaken_selfie_is_blurred(grace, picture_bytes):
    shaken = grace.filter(ImageFilter.GaussianBlur(5))
    assert check_quality(picture_bytes(shaken)).codes == ["blurred"]


def test_selfie_with_two_faces_is_refused(grace, astronaut, picture_bytes):
    both = Image.new("RGB", (1024, 600), (120, 120, 120))
    both.paste(grace, (0, 0))
    both.paste(astronaut.resize((600, 600)).crop((44, 0, 556, 600)), (512, 0))
    result = check_quality(picture_bytes(both))
    assert "several_faces" in result.codes
    assert result.measures["faces"] == 2


def test_closed_eyes_and_turned_head_are_named():
    measures = {
        "faces": 1,
        "face_px": 200,
        "brightness": 120.0,
        "sharpness": 0.3,
        "ear": MIN_EAR - 0.03,
        "yaw": MAX_YAW + 10,
    }
    assert [r.code for r in judge(measures)] == ["eyes_closed", "not_facing"]


def test_a_skipped_check_is_not_reported():
    measures = {"faces": 1, "face_px": 200, "brightness": 120.0, "sharpness": 0.3}
    measures |= {"ear": 0.05, "yaw": 0.0}
    assert judge(measures, frozenset({"eyes_closed"})) == []


def test_the_engine_reports_codes_and_measures_without_wording(grace, picture_bytes):
    result = check_quality(picture_bytes(ImageEnhance.Brightness(grace).enhance(0.2)))
    assert result.reasons
    for found in result.reasons:
        assert found.code in CODES
        assert set(found.to_dict()) == {"code", "details"}
    with pytest.raises(ValueError):
        reason("no_such_code")


def test_every_engine_code_is_worded_in_the_catalogue():
    from webapp.proof.messages import REASONS

    assert CODES <= set(REASONS)
