"""Liveness decisions on synthetic landmark sequences (no images needed).

The neutral face is Grace Hopper's 68 landmarks as dlib finds them; turns and
blinks are applied geometrically, with a little landmark noise as a camera
gives, so the logic is exercised exactly where it could go wrong.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from face_engine import ACTIONS, Challenge, LivenessConfig, analyse_landmarks, new_challenge
from face_engine.landmarks import mean_ear, yaw_degrees
from face_engine.liveness import LIVE_PARALLAX, TURN_DEGREES
from face_engine.planarity import frame_planarity

# fmt: off
GRACE = np.array([
    20, 65, 24, 88, 29, 111, 34, 133, 43, 153, 56, 170, 73, 182, 93, 191, 115, 194, 138, 189,
    159, 179, 177, 165, 192, 149, 202, 128, 205, 105, 207, 80, 208, 55, 25, 45, 33, 28, 49, 22,
    67, 24, 82, 32, 121, 29, 136, 19, 155, 16, 173, 20, 185, 34, 103, 54, 104, 69, 105, 85,
    105, 101, 84, 110, 95, 113, 107, 116, 118, 113, 128, 109, 46, 62, 55, 55, 66, 54, 78, 61,
    67, 64, 55, 65, 133, 58, 143, 50, 155, 49, 166, 53, 157, 58, 145, 59, 72, 141, 84, 137,
    96, 135, 105, 137, 114, 134, 130, 136, 148, 135, 131, 149, 117, 153, 107, 154, 98, 154,
    85, 150, 78, 141, 97, 143, 106, 143, 115, 142, 141, 137, 115, 142, 107, 143, 97, 143,
], dtype=float).reshape(68, 2) + (200, 120)
# Landmarks of two real press photos, checked by eye: in the first the man has
# turned his head to HIS left (nose toward the right of the picture), in the
# second to his right.
TURNED_TO_HIS_LEFT = np.array([
    -16, 147, -8, 198, 0, 246, 14, 291, 39, 332, 73, 366, 114, 391, 160, 407, 208, 407, 246, 394,
    268, 366, 286, 333, 299, 295, 303, 255, 304, 214, 305, 174, 303, 134, 51, 124, 75, 104, 107,
    91, 142, 90, 176, 97, 211, 95, 237, 85, 264, 80, 290, 86, 302, 107, 198, 124, 203, 149, 208,
    175, 214, 202, 171, 231, 190, 233, 209, 235, 224, 230, 237, 225, 90, 142, 108, 132, 127, 129,
    146, 137, 129, 143, 109, 146, 225, 132, 241, 120, 260, 120, 274, 130, 261, 135, 242, 135, 143,
    301, 170, 284, 194, 274, 209, 277, 221, 272, 238, 278, 253, 289, 241, 304, 226, 311, 212, 313,
    196, 314, 172, 311, 154, 298, 194, 285, 209, 286, 222, 283, 245, 288, 224, 290, 210, 293, 195,
    293,
], dtype=float).reshape(68, 2)
TURNED_TO_HIS_RIGHT = np.array([
    72, 95, 68, 128, 68, 164, 69, 200, 73, 238, 82, 276, 96, 310, 115, 337, 147, 349, 186, 346,
    225, 329, 261, 304, 292, 274, 314, 239, 329, 201, 342, 159, 351, 116, 75, 70, 86, 51, 107, 46,
    130, 50, 151, 59, 182, 62, 212, 56, 244, 59, 272, 72, 294, 94, 160, 86, 153, 107, 147, 129,
    140, 151, 120, 170, 132, 176, 145, 181, 164, 177, 183, 174, 91, 85, 103, 73, 120, 75, 136, 88,
    119, 90, 102, 90, 206, 95, 221, 83, 240, 88, 258, 101, 239, 103, 220, 101, 105, 234, 115, 212,
    134, 204, 148, 208, 167, 205, 194, 215, 214, 239, 194, 269, 167, 284, 147, 285, 130, 281, 114,
    264, 114, 234, 133, 218, 148, 220, 166, 219, 204, 238, 168, 259, 148, 261, 132, 256,
], dtype=float).reshape(68, 2)
# fmt: on
EYELIDS = {37: 41, 38: 40, 43: 47, 44: 46}  # upper point: lower point
NOW = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)


def turned(points: np.ndarray, degrees: float) -> np.ndarray:
    """Turn the head: positive toward the person's left (nose to the frame's right).

    Cylinder model: a point at horizontal offset u*R from the axis moves by
    R*sin(angle)*sqrt(1-u^2); the jaw's outer points (the silhouette) stay.
    """
    out = points.copy()
    centre = (points[0, 0] + points[16, 0]) / 2
    radius = (points[16, 0] - points[0, 0]) / 2
    u = np.clip((points[:, 0] - centre) / radius, -1, 1)
    out[:, 0] += radius * np.sin(np.radians(degrees)) * np.sqrt(1 - u**2)
    return out


def closed(points: np.ndarray, amount: float) -> np.ndarray:
    """Close both eyes by ``amount`` (0 open, 1 shut)."""
    out = points.copy()
    for upper, lower in EYELIDS.items():
        middle = (points[upper, 1] + points[lower, 1]) / 2
        out[upper, 1] += (middle - points[upper, 1]) * amount
        out[lower, 1] += (middle - points[lower, 1]) * amount
    return out


def burst(*poses: tuple[float, float], seed: int = 7) -> list[np.ndarray]:
    """One frame per (yaw degrees, eye closure) pose, with 0.4 px noise."""
    rng = np.random.default_rng(seed)
    return [
        closed(turned(GRACE, yaw), shut) + rng.normal(0, 0.4, GRACE.shape) for yaw, shut in poses
    ]


FACING = (0.0, 0.0)
BLINK = [(0.0, 0.5), (0.0, 0.9), (0.0, 0.5)]
LEFT = [(10.0, 0.0), (22.0, 0.0), (28.0, 0.0), (22.0, 0.0), (10.0, 0.0)]
RIGHT = [(-10.0, 0.0), (-22.0, 0.0), (-28.0, 0.0), (-22.0, 0.0), (-10.0, 0.0)]


def challenge(*actions: str, expires_at: datetime = NOW + timedelta(minutes=2)) -> Challenge:
    return Challenge((actions[0], actions[1]), "nonce-for-tests", expires_at)


def test_synthetic_geometry_reads_back_as_intended():
    assert abs(yaw_degrees(turned(GRACE, 20)) - yaw_degrees(GRACE) - 20) < 3
    assert mean_ear(closed(GRACE, 0.9)) < 0.2 * mean_ear(GRACE)


def test_real_heads_turned_to_their_own_left_and_right_read_as_positive_and_negative_yaw():
    assert yaw_degrees(TURNED_TO_HIS_LEFT) > 15
    assert yaw_degrees(TURNED_TO_HIS_RIGHT) < -15
    assert abs(yaw_degrees(GRACE)) < 10


def test_blink_then_turn_left_passes():
    frames = burst(*[FACING] * 3, *BLINK, *[FACING] * 2, *LEFT, *[FACING] * 2)
    result = analyse_landmarks(frames, challenge("blink", "turn_left"), now=NOW)
    assert result.passed, result.codes
    assert result.reasons == ()
    assert result.checks["blink"]["frames"] == [3, 4, 5]
    assert result.checks["order"]["passed"]


def test_turn_right_then_blink_passes():
    frames = burst(*[FACING] * 3, *RIGHT, *[FACING] * 2, *BLINK, *[FACING] * 2)
    assert analyse_landmarks(frames, challenge("turn_right", "blink")).passed


def test_turn_left_then_turn_right_passes():
    frames = burst(*[FACING] * 3, *LEFT, FACING, *RIGHT, FACING)
    assert analyse_landmarks(frames, challenge("turn_left", "turn_right")).passed


def test_nose_moving_to_the_frames_right_is_a_turn_to_the_persons_left():
    frames = burst(*[FACING] * 3, *LEFT, *[FACING] * 7)
    result = analyse_landmarks(frames, challenge("turn_right", "blink"))
    assert "turn_right_not_seen" in result.codes
    assert analyse_landmarks(frames, challenge("turn_left", "turn_right")).codes == [
        "turn_right_not_seen"
    ]


def test_still_face_fails():
    frames = burst(*[FACING] * 15)
    result = analyse_landmarks(frames, challenge("blink", "turn_right"))
    assert not result.passed
    assert result.codes == ["still_face", "blink_not_seen", "turn_right_not_seen"]
    assert result.reasons[0].details == {"yaw_range": result.checks["motion"]["yaw_range"]}


def test_actions_in_the_wrong_order_fail():
    frames = burst(*[FACING] * 3, *BLINK, *[FACING] * 2, *LEFT, *[FACING] * 2)
    result = analyse_landmarks(frames, challenge("turn_left", "blink"))
    assert result.codes == ["wrong_order"]


def test_repeating_a_missed_action_in_the_right_order_passes():
    frames = burst(*BLINK, *[FACING] * 2, *RIGHT, *[FACING] * 2, *BLINK)
    assert analyse_landmarks(frames, challenge("turn_right", "blink")).passed


def test_turn_already_started_in_the_first_frames_still_counts():
    frames = burst((12.0, 0.0), (22.0, 0.0), (28.0, 0.0), *[FACING] * 4, *BLINK, *[FACING] * 5)
    assert analyse_landmarks(frames, challenge("turn_left", "blink")).passed


def test_photo_of_a_turned_head_is_no_turn():
    frames = burst(*[(25.0, 0.0)] * 15)
    result = analyse_landmarks(frames, challenge("turn_left", "turn_right"))
    assert result.codes == ["still_face", "turn_left_not_seen", "turn_right_not_seen"]


def test_expired_challenge_fails_even_with_perfect_moves():
    frames = burst(*[FACING] * 3, *BLINK, *[FACING] * 2, *LEFT, *[FACING] * 2)
    late = NOW + timedelta(minutes=5)
    result = analyse_landmarks(frames, challenge("blink", "turn_left"), now=late)
    assert result.codes == ["challenge_expired"]
    assert not result.checks["fresh"]["passed"]


def test_too_short_a_burst_fails():
    frames = burst(*BLINK, *LEFT[:3])
    assert analyse_landmarks(frames, challenge("blink", "turn_left")).codes[0] == "too_few_frames"


def test_face_leaving_the_oval_fails():
    frames: list = burst(*[FACING] * 3, *BLINK, *[FACING] * 2, *LEFT, *[FACING] * 2)
    for i in range(0, 15, 2):
        frames[i] = None
    result = analyse_landmarks(frames, challenge("blink", "turn_left"))
    assert "face_lost" in result.codes
    assert result.checks["frames"]["with_face"] == 7


def test_photo_tilted_toward_the_camera_does_not_fake_a_blink():
    # Tilting a printed photo squashes it vertically: the EAR drops like a
    # blink, but so does the eyes-to-mouth height.
    frames = burst(*[FACING] * 15)
    for i in (5, 6, 7):
        centre = frames[i].mean(axis=0)
        frames[i] = (frames[i] - centre) * (1.0, 0.5) + centre
    result = analyse_landmarks(frames, challenge("blink", "turn_left"))
    assert "blink_not_seen" in result.codes


def test_head_tilted_sideways_is_not_a_turn():
    frames = burst(*[FACING] * 15)
    angle = np.radians(20)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    for i in range(5, 10):
        centre = frames[i].mean(axis=0)
        frames[i] = (frames[i] - centre) @ rotation.T + centre
    result = analyse_landmarks(frames, challenge("turn_left", "turn_right"))
    assert result.codes[-2:] == ["turn_left_not_seen", "turn_right_not_seen"]


def test_malformed_landmarks_are_rejected():
    with pytest.raises(ValueError):
        analyse_landmarks([np.zeros((5, 2))] * 10, challenge("blink", "turn_left"))


def test_new_challenge_asks_two_distinct_actions_with_a_strong_nonce():
    issued = new_challenge(now=NOW)
    assert len(set(issued.actions)) == 2
    assert set(issued.actions) <= set(ACTIONS)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", issued.nonce)  # 192 bits
    assert issued.expires_at.tzinfo is not None
    assert issued.expires_at > NOW
    assert not issued.is_expired(NOW)
    assert issued.is_expired(issued.expires_at)
    assert new_challenge(now=NOW).nonce != issued.nonce


def test_every_order_of_actions_can_be_asked():
    rng = random.Random(3)
    orders = {new_challenge(rng, now=NOW).actions for _ in range(200)}
    assert len(orders) == 6


def test_challenge_survives_storage_as_json():
    issued = new_challenge(now=NOW)
    assert Challenge.from_dict(issued.to_dict()) == issued
    with pytest.raises(ValueError):
        Challenge.from_dict(issued.to_dict() | {"actions": ["blink", "blink"]})


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        new_challenge(now=datetime(2026, 4, 2, 9, 30))


def test_turns_of_a_head_show_parallax_a_flat_picture_cannot():
    frames = burst(*[FACING] * 3, *LEFT, FACING, *RIGHT, FACING)
    result = analyse_landmarks(frames, challenge("turn_left", "turn_right"))
    for action in ("turn_left", "turn_right"):
        assert result.checks[action]["verdict"] == "live"
        assert result.checks[action]["parallax"] >= LIVE_PARALLAX
    planarity = result.checks["planarity"]
    assert planarity["reference_frame"] in (0, 1, 2, 8, 14)
    assert len(planarity["residual"]) == 15


def test_real_press_photos_turned_left_and_right_are_far_from_one_homography():
    fitted = frame_planarity(TURNED_TO_HIS_RIGHT, TURNED_TO_HIS_LEFT)
    assert fitted is not None and fitted.residual > LIVE_PARALLAX


def test_the_same_turns_flattened_onto_a_card_are_refused_as_planar_motion():
    # Each frame's landmarks are the frontal ones moved by a homography: the
    # yaw still swings, as a card turned in perspective makes it swing.
    rng = np.random.default_rng(3)
    centre = GRACE.mean(axis=0)
    frames = []
    for angle in (0, 0, 0, 10, 20, 28, 20, 10, 0, -10, -20, -28, -20, -10, 0):
        # Perspective about the face centre: the near side grows, the far one shrinks.
        k = 0.6 * np.sin(np.radians(angle)) / 100
        centred = GRACE - centre
        seen = centred / (1 + k * centred[:, :1]) + centre
        frames.append(seen + rng.normal(0, 0.3, GRACE.shape))
    yaws = [yaw_degrees(f) for f in frames]
    assert max(yaws) - min(yaws) > TURN_DEGREES
    result = analyse_landmarks(frames, challenge("turn_left", "turn_right"))
    assert not result.passed
    assert result.codes[0] == "planar_motion"
    assert result.reasons[0].details["actions"]


def test_a_turn_with_parallax_in_the_grey_zone_goes_to_review():
    frames = burst(*[FACING] * 3, *LEFT, FACING, *RIGHT, FACING)
    strict = LivenessConfig(live_parallax=5.0)
    result = analyse_landmarks(frames, challenge("turn_left", "turn_right"), config=strict)
    assert result.passed and result.needs_review
    assert [r.code for r in result.review] == ["liveness_uncertain"]
    assert result.checks["turn_left"]["verdict"] == "uncertain"
    assert result.to_dict()["review"] == ["liveness_uncertain"]


def test_liveness_thresholds_come_from_configuration():
    assert LivenessConfig.from_mapping(None) == LivenessConfig()
    assert LivenessConfig.from_mapping({"turn_degrees": 20.0}).turn_degrees == 20.0
    with pytest.raises(TypeError):
        LivenessConfig.from_mapping({"no_such_threshold": 1})
