"""Checking an uploaded burst of frames: liveness, same face, match.

For ~15 JPEG frames this decodes each one, finds the largest face and its
landmarks, runs :func:`~face_engine.liveness.analyse_landmarks`, then encodes
only a few frames (the most frontal one in each third of the burst): enough to
prove the same person stayed in front of the camera and to match them with the
reference, without paying for 15 encodings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from face_engine.detect import Face, detect_faces, encode_face, face_recognition, find_near
from face_engine.errors import PictureRefused
from face_engine.images import DETECTION_SIDE, load_image
from face_engine.landmarks import mean_ear, yaw_degrees
from face_engine.liveness import (
    Challenge,
    LivenessConfig,
    LivenessResult,
    analyse_landmarks,
    check_fresh,
)
from face_engine.match import MATCH_THRESHOLD, MatchOutcome, decide, encode_reference
from face_engine.messages import QualityReason, reason
from face_engine.quality import MIN_EAR, OTHER_FACE_RATIO, judge, measure_face
from face_engine.templates import as_template

#: Detection side tried first on burst frames (a 640x480 frame's face in the
#: oval is ~200 px wide, still ~100 px at this size: above HOG's 80 px window).
FAST_DETECTION_SIDE = 320
#: Frames encoded for identity (one per third of the burst).
ENCODED_FRAMES = 3
#: Two frames of one short burst are far closer than two photos of a person.
SAME_FACE_DISTANCE = MATCH_THRESHOLD
#: Largest move of the face centre between consecutive frames, in face widths.
#: A shaky hand moving a phone by 15 px, 4 degrees and 6 % of scale per frame
#: moved it by up to 0.77; a face swapped for one elsewhere moves by more.
MAX_JUMP = 1.0
#: A burst's frames are video stills: eyes shut or head turned is expected.
BURST_SKIP = frozenset({"eyes_closed", "not_facing"})

#: Per frame: the main face and how many faces the frame shows, or None.
Found = tuple[Face, int] | None


@dataclass(frozen=True)
class BurstResult:
    """Liveness and match for one burst.

    ``decision`` is ``refused`` when liveness failed, else the match decision;
    ``match`` is None when the burst was rejected before looking at faces
    (expired or reused nonce).
    """

    liveness: LivenessResult
    match: MatchOutcome | None

    @property
    def decision(self) -> str:
        """``match``, ``no_match``, ``review`` or ``refused``.

        A matching face whose liveness is in the grey zone goes to ``review``:
        a human decides, the engine does not guess.
        """
        if not self.liveness.passed or self.match is None:
            return "refused"
        if self.liveness.needs_review and self.match.decision == "match":
            return "review"
        return self.match.decision

    @property
    def reasons(self) -> tuple[QualityReason, ...]:
        """Every failure: liveness first, then picture quality."""
        extra = () if self.match is None else self.match.quality + self.match.reference_quality
        return self.liveness.reasons + extra

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the proof-of-life record."""
        return {
            "decision": self.decision,
            "distance": None if self.match is None else self.match.to_dict()["distance"],
            "reasons": [r.code for r in self.reasons],
            "review": [r.code for r in self.liveness.review],
            "liveness": self.liveness.to_dict(),
            "match": None if self.match is None else self.match.to_dict(),
        }


def check_burst(
    frames: Sequence[bytes],
    challenge: Challenge,
    reference_template_or_image: object,
    *,
    now: datetime | None = None,
    used_nonce_check: Callable[[str], bool] | None = None,
    require_actions: bool = True,
    config: LivenessConfig | None = None,
) -> BurstResult:
    """Check a burst of frames against ``challenge`` and a reference.

    ``reference_template_or_image`` is picture bytes or a 128-float template.
    ``used_nonce_check(nonce)`` must return True when the nonce was already
    used (storage is the caller's). ``require_actions=False`` (a test or demo
    configuration only) skips the blink/turn and still-picture checks but
    keeps freshness, same-face and matching. ``config`` holds the liveness
    thresholds (default: the measured ones). Any number of frames from
    ``config.min_frames`` up is judged. An unreadable frame raises its
    :class:`~face_engine.errors.ImageError`.
    """
    stale = check_fresh(challenge, now)
    if used_nonce_check is not None and used_nonce_check(challenge.nonce):
        stale.append(reason("nonce_reused"))
    if stale:
        return BurstResult(LivenessResult(False, tuple(stale), {"fresh": {"passed": False}}), None)

    images = [load_image(frame, max_side=DETECTION_SIDE).rgb for frame in frames]
    faces = faces_in_burst(images)
    landmarks = [None if f is None else f[0].landmarks for f in faces]
    liveness_review: tuple[QualityReason, ...] = ()
    if require_actions:
        reasons, checks, liveness_review = _actions(frames, landmarks, challenge, config)
    else:
        reasons, checks = [], {"actions": {"passed": True, "skipped": True}}
    checks["fresh"] = {"passed": True}

    main = [None if f is None else f[0] for f in faces]
    picked = _frames_to_encode(main)
    encodings = [encode_face(images[i], main[i]) for i in picked]  # type: ignore[arg-type]
    spread = _max_pairwise(encodings)
    jump = _largest_jump([f for f in main if f is not None])
    same = spread <= SAME_FACE_DISTANCE and jump <= MAX_JUMP
    checks["same_face"] = {
        "passed": same,
        "frames": picked,
        "max_distance": round(spread, 4),
        "max_jump": round(jump, 3),
    }
    if not same:
        reasons.append(reason("different_faces", max_distance=round(spread, 4)))
    review = liveness_review if not reasons else ()
    result = LivenessResult(not reasons, tuple(reasons), checks, review)
    if not picked:
        return BurstResult(result, MatchOutcome("refused", None, (reason("no_face"),)))
    decision = _match(images, faces, picked, encodings, reference_template_or_image)
    return BurstResult(result, decision)


def _actions(
    frames: Sequence[bytes],
    landmarks: list[np.ndarray | None],
    challenge: Challenge,
    config: LivenessConfig | None,
) -> tuple[list[QualityReason], dict[str, Any], tuple[QualityReason, ...]]:
    liveness = analyse_landmarks(landmarks, challenge, config=config)
    reasons = list(liveness.reasons)
    checks = dict(liveness.checks)
    distinct = len({hashlib.sha256(frame).digest() for frame in frames})
    checks["motion"] = {**checks.get("motion", {}), "distinct_frames": distinct}
    if len(frames) > 1 and distinct <= len(frames) // 2 and "still_face" not in liveness.codes:
        # A camera never yields byte-identical frames: this is a replay.
        checks["motion"]["passed"] = False
        reasons.insert(0, reason("still_face", distinct_frames=distinct))
    return reasons, checks, liveness.review


def faces_in_burst(images: list[np.ndarray]) -> list[Found]:
    """The main face of each frame and how many faces it shows (None: no face)."""
    faces: list[Found] = []
    previous: Face | None = None
    for rgb in images:
        # A face filling the oval is found at half resolution in a quarter of
        # the time; a turned head is looked for again near its last place;
        # only a frame with neither pays for the full search.
        found = detect_faces(rgb, detection_side=FAST_DETECTION_SIDE, upsample=0)
        if not found and previous is not None:
            near = find_near(rgb, previous)
            found = [near] if near is not None else []
        if not found:
            found = detect_faces(rgb)
        if found:
            others = sum(1 for f in found[1:] if f.width >= OTHER_FACE_RATIO * found[0].width)
            faces.append((found[0], 1 + others))
            previous = found[0]
        else:
            faces.append(None)
    return faces


def _frames_to_encode(faces: list[Face | None]) -> list[int]:
    with_face = [i for i, f in enumerate(faces) if f is not None]
    if not with_face:
        return []
    parts = np.array_split(np.array(with_face), min(ENCODED_FRAMES, len(with_face)))
    # In each part, the most frontal frame with open eyes: closest to a passport photo.
    return [int(min(part, key=lambda i: _frame_penalty(faces[i]))) for part in parts]


def _frame_penalty(face: Face | None) -> float:
    if face is None:
        return float("inf")
    closed = mean_ear(face.landmarks) < MIN_EAR
    return abs(yaw_degrees(face.landmarks)) + (30.0 if closed else 0.0)


def _max_pairwise(encodings: list[np.ndarray]) -> float:
    worst = 0.0
    for i, a in enumerate(encodings[:-1]):
        worst = max(worst, float(face_recognition().face_distance(encodings[i + 1 :], a).max()))
    return worst


def _largest_jump(boxes: list[Face]) -> float:
    # A face swapped between frames shows as a jump of the face box.
    worst = 0.0
    for a, b in zip(boxes, boxes[1:], strict=False):
        ca = np.array([(a.left + a.right) / 2, (a.top + a.bottom) / 2])
        cb = np.array([(b.left + b.right) / 2, (b.top + b.bottom) / 2])
        worst = max(worst, float(np.linalg.norm(ca - cb)) / max(a.width, 1))
    return worst


def _match(
    images: list[np.ndarray],
    faces: list[Found],
    picked: list[int],
    encodings: list[np.ndarray],
    reference: object,
) -> MatchOutcome:
    """Quality of the best picked frame, then its distance to the reference."""
    main = [None if f is None else f[0] for f in faces]
    best = min(picked, key=lambda i: _frame_penalty(main[i]))
    found = faces[best]
    assert found is not None  # picked frames all have a face
    face, count = found
    measures = measure_face(images[best], face)
    measures["faces"] = count
    quality = tuple(judge(measures, BURST_SKIP))
    if isinstance(reference, bytes | bytearray):
        try:
            template = encode_reference(bytes(reference))
        except PictureRefused as refused:
            return MatchOutcome("refused", None, quality, refused.reasons)
    else:
        template = as_template(reference)
    if quality:
        return MatchOutcome("refused", None, quality)
    distance = float(np.median(face_recognition().face_distance(encodings, template)))
    return MatchOutcome(decide(distance), distance)
