"""Liveness by challenge: the pure decision logic on landmark sequences.

The server draws two distinct actions in random order among ``blink``,
``turn_left`` and ``turn_right`` (:func:`new_challenge`); the page asks for them
and uploads a burst of frames. A photo held to the camera cannot blink, and
since a flat picture tilted in front of the lens only undergoes an affine
change, it cannot fake a turn either (see :mod:`face_engine.landmarks`). Every
challenge holds at least one turn, so a still face always fails.

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
#: A blink: the (tilt-corrected) EAR falls below this fraction of open eyes.
#: Landmark noise on a still photo alone moves the EAR by up to ~20 %.
BLINK_RATIO = 0.6
#: Below this "open" EAR the eyes were never seen open: no blink can be told.
MIN_OPEN_EAR = 0.15
#: Still face: nothing came halfway to a turn nor as far as a blink (the yaw
#: range and the deepest relative EAR dip over the burst stay below these).
STILL_YAW_RANGE = TURN_DEGREES / 2
STILL_EAR_DIP = 1 - BLINK_RATIO


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
    the proof-of-life record and audits.
    """

    passed: bool
    reasons: tuple[QualityReason, ...]
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        """Reason codes of the failed checks."""
        return [r.code for r in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"passed": self.passed, "reasons": self.codes, "checks": self.checks}


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
) -> LivenessResult:
    """Decide liveness from per-frame landmarks, in capture order.

    Each item is a (68, 2) landmark array, or None for a frame without a face.
    With ``now`` given, the challenge's expiry is checked as well.
    """
    reasons: list[QualityReason] = check_fresh(challenge, now) if now is not None else []
    checks: dict[str, dict[str, Any]] = {}
    if now is not None:
        checks["fresh"] = {"passed": not reasons}
    indexed = [(i, as_points(p)) for i, p in enumerate(frames_landmarks) if p is not None]
    checks["frames"] = {"total": len(frames_landmarks), "with_face": len(indexed)}
    if len(frames_landmarks) < MIN_FRAMES:
        reasons.append(reason("too_few_frames", frames=len(frames_landmarks), minimum=MIN_FRAMES))
    elif len(indexed) < MIN_FRAMES:
        reasons.append(reason("face_lost", with_face=len(indexed), minimum=MIN_FRAMES))
    checks["frames"]["passed"] = len(indexed) >= MIN_FRAMES
    if len(indexed) < 2:
        return LivenessResult(False, tuple(reasons), checks)

    order = np.array([i for i, _ in indexed])
    # A turn lasts a second or more, several frames: a running median drops
    # one-frame landmark glitches. A blink may last a single frame: no smoothing.
    yaw = _median3(np.array([yaw_degrees(p) for _, p in indexed]))
    ear = _tilt_corrected_ear([p for _, p in indexed])
    open_ear = float(np.percentile(ear, 75))
    yaw_range = float(yaw.max() - yaw.min())
    ear_dip = float((open_ear - ear.min()) / max(open_ear, 1e-6))
    still = yaw_range < STILL_YAW_RANGE and ear_dip < STILL_EAR_DIP
    checks["motion"] = {
        "passed": not still,
        "yaw_range": round(yaw_range, 2),
        "ear_dip": round(ear_dip, 3),
    }
    if still:
        reasons.append(reason("still_face", yaw_range=round(yaw_range, 2)))

    # A turn is a move, measured against the most opposite yaw of the whole
    # burst: a turn begun before the first frame still counts (the head comes
    # back), a photo of a turned head never does.
    lowest, highest = float(yaw.min()), float(yaw.max())
    events = {
        "blink": _blink_frames(ear, open_ear, order),
        "turn_left": order[(yaw - lowest >= TURN_DEGREES) & (yaw >= TURN_MIN_ABS)],
        "turn_right": order[(highest - yaw >= TURN_DEGREES) & (yaw <= -TURN_MIN_ABS)],
    }
    for action in challenge.actions:
        seen = events[action]
        checks[action] = {"passed": len(seen) > 0, "frames": [int(i) for i in seen]}
        if action == "blink":
            checks[action].update(open_ear=round(open_ear, 3), min_ear=round(float(ear.min()), 3))
        else:
            checks[action].update(yaw=_rounded(yaw))
        if not len(seen):
            reasons.append(reason(f"{action}_not_seen"))

    first, second = (events[a] for a in challenge.actions)
    if len(first) and len(second):
        # Lenient on repeats: some try of the first action precedes some try
        # of the second.
        in_order = bool(first.min() < second.max())
        checks["order"] = {"passed": in_order, "asked": list(challenge.actions)}
        if not in_order:
            reasons.append(reason("wrong_order", asked=list(challenge.actions)))
    return LivenessResult(not reasons, tuple(reasons), checks)


def _tilt_corrected_ear(points: list[np.ndarray]) -> np.ndarray:
    # A photo tilted toward the lens squashes the eyes like a blink, but it
    # squashes the eyes-to-mouth height by the same factor: divide it out.
    ear = np.array([mean_ear(p) for p in points])
    aspect = np.array([face_aspect(p) for p in points])
    reference = float(np.median(aspect))
    if reference <= 0:
        return ear
    return ear / np.clip(aspect / reference, 0.5, 2.0)


def _blink_frames(ear: np.ndarray, open_ear: float, order: np.ndarray) -> np.ndarray:
    if open_ear < MIN_OPEN_EAR:
        return order[:0]
    return order[ear <= BLINK_RATIO * open_ear]


def _median3(values: np.ndarray) -> np.ndarray:
    if len(values) < 3:
        return values
    padded = np.concatenate([values[:1], values, values[-1:]])
    return np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 1) for v in values]


def check_burst(*args: Any, **kwargs: Any) -> Any:
    """Run :func:`face_engine.burst.check_burst` (kept here for discoverability)."""
    # Imported on call: burst depends on this module, not the other way round.
    from face_engine.burst import check_burst as run

    return run(*args, **kwargs)
