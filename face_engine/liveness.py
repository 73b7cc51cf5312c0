"""Liveness by challenge: the pure decision logic on landmark sequences.

The server draws two distinct actions in random order among ``blink``,
``turn_left`` and ``turn_right`` (:func:`new_challenge`); the page asks for them
and uploads a burst of frames. A photo held to the camera cannot blink. Turned
in front of a phone's lens it is seen in perspective, which does move the
measured yaw (up to ~13 degrees either side); but a flat picture's landmarks
move by a homography, a head's do not, so a turn also needs parallax
(:mod:`face_engine.planarity`): a turn explained by a homography is refused
as ``planar_motion``, one in between goes to a human. Every challenge holds at
least one turn, so neither a still nor a flat face passes.

Directions are the PERSON's own: ``turn_left`` means "turn your head to your
left". Frames must be the camera's unmirrored pictures (draw the <video> onto
the canvas without flipping); the on-screen preview may be mirrored. In such a
frame, turning to one's left moves the nose toward the right of the picture
(positive yaw).

:func:`analyse_landmarks` works on landmarks only, so it is tested without
images; :func:`face_engine.burst.check_burst` feeds it from real frames.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from face_engine.landmarks import as_points, face_aspect, mean_ear, yaw_degrees
from face_engine.messages import QualityReason, reason
from face_engine.planarity import Planarity, planarity_of

ACTIONS = ("blink", "turn_left", "turn_right")
#: Time to read the steps, do them and upload, for a slow pensioner.
CHALLENGE_TTL = timedelta(minutes=3)
#: Frames needed with a face in them (a burst is ~15 over 3 seconds).
MIN_FRAMES = 8
#: A turn: yaw moves this many degrees in the asked direction (from the most
#: opposite yaw of the burst)...
TURN_DEGREES = 15.0
#: ...and ends at least this far from facing (a return to centre is no turn).
TURN_MIN_ABS = 8.0
#: ...and the turn frames show parallax: the landmarks' residual after the
#: best homography onto the frontal frame (75th percentile, in inter-ocular
#: distances; see :mod:`face_engine.planarity` and docs/face-threshold.md).
#: At or below PLANAR_PARALLAX the face moved as a flat picture: refused.
#: Cards turned up to 40 degrees, tilted, rotated, brought closer, shaken,
#: under changing light and JPEG 55-95: at most 0.045 on turn frames.
PLANAR_PARALLAX = 0.050
#: At or above LIVE_PARALLAX the turn is a head's: real heads turned by 17-37
#: degrees (frontal and turned photos of one person) measured 0.11-0.31; a
#: partly hidden face turned 19 degrees, 0.054-0.068. In between: a human
#: reviews the burst (grey zone); the engine neither refuses nor accepts it.
LIVE_PARALLAX = 0.080
#: A blink: the (tilt-corrected) EAR falls below this fraction of open eyes,
#: and so does the EAR rectified by the face's homography.
#: Landmark noise on a still photo alone moves the EAR by up to ~20 %.
BLINK_RATIO = 0.6
#: Below this "open" EAR the eyes were never seen open: no blink can be told.
MIN_OPEN_EAR = 0.15
#: Still face: nothing came halfway to a turn nor as far as a blink (the yaw
#: range and the deepest relative EAR dip over the burst stay below these).
STILL_YAW_RANGE = TURN_DEGREES / 2
STILL_EAR_DIP = 1 - BLINK_RATIO


@dataclass(frozen=True)
class LivenessConfig:
    """The liveness thresholds, overridable from configuration (defaults above)."""

    min_frames: int = MIN_FRAMES
    turn_degrees: float = TURN_DEGREES
    turn_min_abs: float = TURN_MIN_ABS
    planar_parallax: float = PLANAR_PARALLAX
    live_parallax: float = LIVE_PARALLAX
    blink_ratio: float = BLINK_RATIO
    min_open_ear: float = MIN_OPEN_EAR
    still_yaw_range: float = STILL_YAW_RANGE
    still_ear_dip: float = STILL_EAR_DIP

    def parallax_verdict(self, parallax: float) -> str:
        """``planar`` (a flat picture), ``uncertain`` (grey zone) or ``live``."""
        if parallax <= self.planar_parallax:
            return "planar"
        if parallax < self.live_parallax:
            return "uncertain"
        return "live"

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> LivenessConfig:
        """Build from a settings mapping (unknown keys are an error, not ignored)."""
        return cls(**(values or {}))


DEFAULT_CONFIG = LivenessConfig()


@dataclass(frozen=True)
class Challenge:
    """What the pensioner is asked to do, and until when.

    ``nonce`` is a 192-bit url-safe random token binding the upload to this
    challenge; ``expires_at`` is timezone-aware (UTC).
    """

    actions: tuple[str, str]
    nonce: str
    expires_at: datetime

    def is_expired(self, now: datetime | None = None) -> bool:
        """True once ``now`` (default: the current UTC time) reaches expiry."""
        if now is not None and now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return (now or datetime.now(UTC)) >= self.expires_at

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form to store in a session or database row."""
        return {
            "actions": list(self.actions),
            "nonce": self.nonce,
            "expires_at": self.expires_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Challenge:
        """Inverse of :meth:`to_dict`."""
        actions = tuple(data["actions"])
        if len(actions) != 2 or len(set(actions)) != 2 or not set(actions) <= set(ACTIONS):
            raise ValueError(f"invalid challenge actions {actions!r}")
        expires_at = datetime.fromisoformat(data["expires_at"])
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        return cls((actions[0], actions[1]), str(data["nonce"]), expires_at)


def new_challenge(
    rng: random.Random | None = None,
    *,
    now: datetime | None = None,
    ttl: timedelta = CHALLENGE_TTL,
) -> Challenge:
    """Draw two distinct actions in random order, a fresh nonce and an expiry.

    ``rng`` only chooses the actions (pass a seeded one in tests); the default
    is the system's secure generator so the order cannot be predicted. The
    nonce always comes from :mod:`secrets`.
    """
    chooser = rng if rng is not None else secrets.SystemRandom()
    first, second = chooser.sample(ACTIONS, 2)
    start = now or datetime.now(UTC)
    if start.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return Challenge((first, second), secrets.token_urlsafe(24), start + ttl)


@dataclass(frozen=True)
class LivenessResult:
    """``passed`` only when every check passed; ``reasons`` name the failures.

    ``checks`` maps each check's name to its measured values and verdict, for
    the proof-of-life record and audits. ``review`` is not empty when the
    burst passed but not clearly (a turn in the parallax grey zone): a human
    must look at it before it counts.
    """

    passed: bool
    reasons: tuple[QualityReason, ...]
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    review: tuple[QualityReason, ...] = ()

    @property
    def codes(self) -> list[str]:
        """Reason codes of the failed checks."""
        return [r.code for r in self.reasons]

    @property
    def needs_review(self) -> bool:
        """Passed, but only a human may accept it."""
        return self.passed and bool(self.review)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "passed": self.passed,
            "review": [r.code for r in self.review],
            "reasons": self.codes,
            "checks": self.checks,
        }


def check_fresh(challenge: Challenge, now: datetime | None = None) -> list[QualityReason]:
    """The expiry check alone (the caller checks the nonce was not used)."""
    if challenge.is_expired(now):
        return [reason("challenge_expired", expires_at=challenge.expires_at.isoformat())]
    return []


def analyse_landmarks(
    frames_landmarks: Sequence[object | None],
    challenge: Challenge,
    *,
    now: datetime | None = None,
    config: LivenessConfig | None = None,
) -> LivenessResult:
    """Decide liveness from per-frame landmarks, in capture order.

    Each item is a (68, 2) landmark array, or None for a frame without a face;
    any number of frames from :attr:`LivenessConfig.min_frames` up (a longer,
    adaptive capture only gives more evidence). With ``now`` given, the
    challenge's expiry is checked as well. ``config`` defaults to the measured
    thresholds (:data:`DEFAULT_CONFIG`).
    """
    cfg = config or DEFAULT_CONFIG
    reasons: list[QualityReason] = check_fresh(challenge, now) if now is not None else []
    checks: dict[str, dict[str, Any]] = {}
    if now is not None:
        checks["fresh"] = {"passed": not reasons}
    indexed = [(i, as_points(p)) for i, p in enumerate(frames_landmarks) if p is not None]
    checks["frames"] = {"total": len(frames_landmarks), "with_face": len(indexed)}
    if len(frames_landmarks) < cfg.min_frames:
        reasons.append(
            reason("too_few_frames", frames=len(frames_landmarks), minimum=cfg.min_frames)
        )
    elif len(indexed) < cfg.min_frames:
        reasons.append(reason("face_lost", with_face=len(indexed), minimum=cfg.min_frames))
    checks["frames"]["passed"] = len(indexed) >= cfg.min_frames
    if len(indexed) < 2:
        return LivenessResult(False, tuple(reasons), checks)

    order = np.array([i for i, _ in indexed])
    points = [p for _, p in indexed]
    # A turn lasts a second or more, several frames: a running median drops
    # one-frame landmark glitches. A blink may last a single frame: no smoothing.
    yaw = _median3(np.array([yaw_degrees(p) for p in points]))
    ear = _tilt_corrected_ear(points)
    open_ear = float(np.percentile(ear, 75))
    flat = planarity_of(points, yaw, ear, open_ear)
    yaw_range = float(yaw.max() - yaw.min())
    ear_dip = float((open_ear - ear.min()) / max(open_ear, 1e-6))
    still = yaw_range < cfg.still_yaw_range and ear_dip < cfg.still_ear_dip
    checks["motion"] = {
        "passed": not still,
        "yaw_range": round(yaw_range, 2),
        "ear_dip": round(ear_dip, 3),
    }
    if still:
        reasons.append(reason("still_face", yaw_range=round(yaw_range, 2)))
    checks["planarity"] = flat.to_dict(order)

    # A turn is a move, measured against the most opposite yaw of the whole
    # burst: a turn begun before the first frame still counts (the head comes
    # back), a photo of a turned head never does. It must also show parallax:
    # a card turned in front of the lens moves its landmarks by a homography.
    lowest, highest = float(yaw.min()), float(yaw.max())
    turning = {
        "turn_left": (yaw - lowest >= cfg.turn_degrees) & (yaw >= cfg.turn_min_abs),
        "turn_right": (highest - yaw >= cfg.turn_degrees) & (yaw <= -cfg.turn_min_abs),
    }
    events: dict[str, np.ndarray] = {"blink": _blink_frames(ear, open_ear, order, flat, cfg)}
    planar: list[str] = []
    uncertain: list[str] = []
    for action in challenge.actions:
        if action == "blink":
            seen = events["blink"]
            checks[action] = {
                "passed": len(seen) > 0,
                "frames": [int(i) for i in seen],
                "open_ear": round(open_ear, 3),
                "min_ear": round(float(ear.min()), 3),
                "ear": _rounded(ear, 3),
                "rectified_ear": _rounded(flat.rectified_ear, 3),
            }
        else:
            turned = turning[action]
            parallax = float(flat.residual[turned].max()) if turned.any() else 0.0
            verdict = cfg.parallax_verdict(parallax) if turned.any() else "none"
            seen = order[turned] if verdict in ("live", "uncertain") else order[:0]
            events[action] = seen
            checks[action] = {
                "passed": len(seen) > 0,
                "frames": [int(i) for i in seen],
                "yaw_frames": [int(i) for i in order[turned]],
                "parallax": round(parallax, 4),
                "verdict": verdict,
                "yaw": _rounded(yaw),
            }
            if verdict == "planar":
                planar.append(action)
            elif verdict == "uncertain":
                uncertain.append(action)
        if not len(seen):
            reasons.append(reason(f"{action}_not_seen"))
    if planar:
        # The yaw alone would have counted these turns: the audit must show why not.
        reasons.insert(0, reason("planar_motion", actions=planar))

    first, second = (events[a] for a in challenge.actions)
    if len(first) and len(second):
        # Lenient on repeats: some try of the first action precedes some try
        # of the second.
        in_order = bool(first.min() < second.max())
        checks["order"] = {"passed": in_order, "asked": list(challenge.actions)}
        if not in_order:
            reasons.append(reason("wrong_order", asked=list(challenge.actions)))
    review: tuple[QualityReason, ...] = ()
    if uncertain and not reasons:
        review = (reason("liveness_uncertain", actions=uncertain),)
    return LivenessResult(not reasons, tuple(reasons), checks, review)


def _tilt_corrected_ear(points: list[np.ndarray]) -> np.ndarray:
    # A photo tilted toward the lens squashes the eyes like a blink, but it
    # squashes the eyes-to-mouth height by the same factor: divide it out.
    ear = np.array([mean_ear(p) for p in points])
    aspect = np.array([face_aspect(p) for p in points])
    reference = float(np.median(aspect))
    if reference <= 0:
        return ear
    return ear / np.clip(aspect / reference, 0.5, 2.0)


def _blink_frames(
    ear: np.ndarray, open_ear: float, order: np.ndarray, flat: Planarity, cfg: LivenessConfig
) -> np.ndarray:
    if open_ear < cfg.min_open_ear:
        return order[:0]
    closed = ear <= cfg.blink_ratio * open_ear
    # The eyes must still close once the frame is mapped back onto the
    # reference by the homography of the rest of the face: a tilted card's
    # squashed eyes open again there, real eyelids do not.
    rectified_open = float(np.percentile(flat.rectified_ear, 75))
    closed &= flat.rectified_ear <= cfg.blink_ratio * rectified_open
    return order[closed]


def _median3(values: np.ndarray) -> np.ndarray:
    if len(values) < 3:
        return values
    padded = np.concatenate([values[:1], values, values[-1:]])
    return np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)


def _rounded(values: np.ndarray, digits: int = 1) -> list[float]:
    return [round(float(v), digits) for v in values]
