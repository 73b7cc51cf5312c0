"""A burst of camera frames: a still photo held to the camera must fail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image, ImageFilter

from face_engine import Challenge, NotAnImage, check_burst
from face_engine.burst import faces_in_burst
from face_engine.detect import detect_faces

NOW = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
CHALLENGE = Challenge(("blink", "turn_left"), "n0nce-of-this-burst", NOW + timedelta(minutes=2))


def jittered_burst(portrait, picture_bytes, selfie_frame, count=15, seed=1):
    """A photo filmed by a camera: same picture, sensor noise, slight shifts."""
    rng = np.random.default_rng(seed)
    base = np.asarray(selfie_frame(portrait)).astype(np.int16)
    frames = []
    for _ in range(count):
        dx, dy = rng.integers(-3, 4, size=2)
        noisy = np.roll(base, (dy, dx), axis=(0, 1)) + rng.integers(-4, 5, size=base.shape)
        frames.append(picture_bytes(Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))))
    return frames


@pytest.fixture(scope="module")
def still_photo_burst(grace, picture_bytes, selfie_frame):
    return jittered_burst(grace, picture_bytes, selfie_frame)


def test_still_photo_in_front_of_the_camera_fails_liveness(still_photo_burst, grace_template):
    result = check_burst(still_photo_burst, CHALLENGE, grace_template, now=NOW)
    assert result.decision == "refused"
    assert not result.liveness.passed
    assert result.liveness.codes[0] == "still_face"
    assert "blink_not_seen" in result.liveness.codes
    # The face itself is Grace's: the record shows it matched but was not alive.
    assert result.match is not None
    assert result.match.decision == "match"
    assert result.liveness.checks["same_face"]["passed"]
    # The whole outcome can be stored as JSON in the proof-of-life record.
    stored = json.loads(json.dumps(result.to_dict()))
    assert stored["decision"] == "refused"
    assert stored["reasons"][0] == "still_face"


def test_photo_waved_in_front_of_the_camera_fakes_no_action(astronaut, picture_bytes, selfie_frame):
    # A relative holding a printed photo: it shifts, tilts and nears the lens.
    rng = np.random.default_rng(5)
    base = selfie_frame(astronaut.crop((110, 10, 340, 250)))
    frames = []
    for _ in range(15):
        dx, dy = (int(v) for v in rng.integers(-15, 16, size=2))
        moved = base.rotate(rng.uniform(-4, 4), translate=(dx, dy), fillcolor=(120, 120, 120))
        zoom = rng.uniform(1.0, 1.08)
        moved = moved.resize((round(640 * zoom), round(480 * zoom))).crop((0, 0, 640, 480))
        frames.append(picture_bytes(moved, quality=80))
    challenge = Challenge(("turn_right", "blink"), "n", NOW + timedelta(minutes=1))
    result = check_burst(frames, challenge, np.zeros(128), now=NOW)
    assert result.decision == "refused"
    assert result.liveness.checks["turn_right"]["frames"] == []
    assert result.liveness.checks["blink"]["frames"] == []
    assert result.liveness.checks["same_face"]["passed"]


def test_replayed_identical_frames_fail_as_still(grace, picture_bytes, selfie_frame, grace_jpeg):
    frame = picture_bytes(selfie_frame(grace))
    result = check_burst([frame] * 15, CHALLENGE, grace_jpeg, now=NOW)
    assert result.decision == "refused"
    assert result.liveness.codes[0] == "still_face"
    assert result.liveness.checks["motion"]["distinct_frames"] == 1


def test_with_actions_disabled_for_tests_a_matching_still_burst_is_accepted(
    grace, picture_bytes, selfie_frame, grace_template
):
    frame = picture_bytes(selfie_frame(grace))
    result = check_burst([frame] * 15, CHALLENGE, grace_template, now=NOW, require_actions=False)
    assert result.decision == "match"
    assert result.liveness.checks["actions"]["skipped"]
    assert result.liveness.checks["same_face"]["passed"]


def test_with_actions_disabled_another_person_is_still_refused(
    astronaut, picture_bytes, selfie_frame, grace_template
):
    close_up = astronaut.crop((110, 10, 340, 250))  # her face fills the oval
    frame = picture_bytes(selfie_frame(close_up))
    result = check_burst([frame] * 15, CHALLENGE, grace_template, now=NOW, require_actions=False)
    assert result.decision == "no_match"
    assert result.match.distance > 0.6


def test_faces_swapped_during_the_burst_are_detected(
    grace, astronaut, picture_bytes, selfie_frame, grace_template
):
    grace_frames = jittered_burst(grace, picture_bytes, selfie_frame, count=8)
    other_frames = jittered_burst(astronaut, picture_bytes, selfie_frame, count=7)
    result = check_burst(grace_frames + other_frames, CHALLENGE, grace_template, now=NOW)
    assert "different_faces" in result.liveness.codes
    assert result.decision == "refused"


def test_expired_challenge_is_refused_before_reading_frames(grace_template):
    late = CHALLENGE.expires_at + timedelta(seconds=1)
    result = check_burst([b"never decoded"], CHALLENGE, grace_template, now=late)
    assert result.decision == "refused"
    assert result.liveness.codes == ["challenge_expired"]
    assert result.match is None


def test_reused_nonce_is_refused(grace_template):
    asked = []

    def already_used(nonce: str) -> bool:
        asked.append(nonce)
        return True

    result = check_burst(
        [b"never decoded"], CHALLENGE, grace_template, now=NOW, used_nonce_check=already_used
    )
    assert asked == [CHALLENGE.nonce]
    assert result.liveness.codes == ["nonce_reused"]
    assert result.to_dict()["reasons"] == ["nonce_reused"]


def test_empty_upload_is_too_few_frames(grace_template):
    result = check_burst([], CHALLENGE, grace_template, now=NOW)
    assert result.decision == "refused"
    assert result.liveness.codes[0] == "too_few_frames"
    assert result.match is not None and result.match.codes == ["no_face"]


def test_unreadable_frame_raises_a_named_error(still_photo_burst, grace_template):
    frames = still_photo_burst[:14] + [b"<html>oops</html>"]
    with pytest.raises(NotAnImage):
        check_burst(frames, CHALLENGE, grace_template, now=NOW)


def test_face_hard_to_see_in_one_frame_is_found_again_near_its_last_place(astronaut, selfie_frame):
    # A head turned for the challenge drops below the detector's usual score;
    # a softened face stands in for it here. An empty frame stays empty.
    close_up = astronaut.crop((110, 10, 340, 250))
    sharp = np.asarray(selfie_frame(close_up))
    soft = np.asarray(selfie_frame(close_up.filter(ImageFilter.GaussianBlur(4))))
    empty = np.full_like(sharp, 120)
    assert detect_faces(soft) == []
    found = faces_in_burst([sharp, soft, empty])
    assert found[0] is not None and found[1] is not None
    assert abs(found[1][0].left - found[0][0].left) < 0.3 * found[0][0].width
    assert found[2] is None
