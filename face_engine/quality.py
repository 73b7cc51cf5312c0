"""The quality gate: is this picture good enough to compare a face?

A refusal must tell an elderly pensioner what to change (come closer, face the
light, hold still), so every check returns a named reason rather than a score.
Measures are taken on the largest face's crop, not the whole picture: a bright
window behind a dark face is still a dark face.

Thresholds were set on real and degraded photos (see docs/face-threshold.md);
they are deliberately lenient where a refusal would hit old people most
(droopy eyelids, slight head tilt).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from face_engine.detect import Face, detect_faces
from face_engine.images import LoadedImage, load_image
from face_engine.landmarks import mean_ear, yaw_degrees
from face_engine.messages import QualityReason, reason

#: Face box width, working-image pixels. dlib's encoder aligns to a 150 px
#: chip; below ~80 px the descriptor gets unreliable.
MIN_FACE_PX = 80
#: Another face at least this fraction of the main face's width counts.
OTHER_FACE_RATIO = 0.4
#: Mean luma (0-255) of the face crop.
MIN_BRIGHTNESS = 45.0
MAX_BRIGHTNESS = 215.0
#: Variance of the Laplacian of the contrast-normalised 128 px face crop.
MIN_SHARPNESS = 0.02
#: Mean eye aspect ratio; open eyes are ~0.25-0.35, shut ones below ~0.15.
MIN_EAR = 0.14
#: Largest head yaw, degrees, still accepted as "facing the camera".
MAX_YAW = 30.0
CROP_SIDE = 128


@dataclass(frozen=True)
class QualityResult:
    """Outcome of the gate: ``ok`` and the named reasons when not.

    ``face`` and ``image`` are kept so a caller can encode the face without
    decoding and detecting again.
    """

    ok: bool
    reasons: tuple[QualityReason, ...]
    measures: dict[str, Any] = field(default_factory=dict)
    face: Face | None = field(default=None, repr=False)
    image: LoadedImage | None = field(default=None, repr=False)

    @property
    def codes(self) -> list[str]:
        """The reason codes, in the order they were found."""
        return [r.code for r in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: ok, reason codes, messages and measures."""
        return {
            "ok": self.ok,
            "quality": self.codes,
            "reasons": [r.to_dict() for r in self.reasons],
            "measures": dict(self.measures),
        }


def check_quality(image_bytes: bytes) -> QualityResult:
    """Decode a picture and run the quality gate on its largest face.

    Raises the :class:`~face_engine.errors.ImageError` family for unreadable
    input; a readable picture always yields a result.
    """
    return check_loaded(load_image(image_bytes))


def check_loaded(image: LoadedImage, *, skip: frozenset[str] = frozenset()) -> QualityResult:
    """Run the gate on an already decoded picture; ``skip`` drops some checks."""
    faces = detect_faces(image.rgb)
    if not faces:
        return QualityResult(False, (reason("no_face"),), {"faces": 0}, None, image)
    face = faces[0]
    measures = measure_face(image.rgb, face)
    others = [f for f in faces[1:] if f.width >= OTHER_FACE_RATIO * face.width]
    measures["faces"] = 1 + len(others)
    reasons = judge(measures, skip)
    return QualityResult(not reasons, tuple(reasons), measures, face, image)


def measure_face(rgb: np.ndarray, face: Face) -> dict[str, Any]:
    """Size, brightness, sharpness, eye opening and yaw of one face."""
    gray = face_crop(rgb, face)
    return {
        "face_px": face.width,
        "brightness": round(float(gray.mean()), 1),
        "sharpness": round(sharpness(gray), 4),
        "ear": round(mean_ear(face.landmarks), 3),
        "yaw": round(yaw_degrees(face.landmarks), 1),
    }


def judge(m: dict[str, Any], skip: frozenset[str] = frozenset()) -> list[QualityReason]:
    """Turn measures into refusal reasons, leaving out the codes in ``skip``."""
    found = []
    if m["faces"] > 1:
        found.append(reason("several_faces", faces=m["faces"]))
    if m["face_px"] < MIN_FACE_PX:
        found.append(reason("face_too_small", face_px=m["face_px"], minimum=MIN_FACE_PX))
    if m["brightness"] < MIN_BRIGHTNESS:
        found.append(reason("too_dark", brightness=m["brightness"], minimum=MIN_BRIGHTNESS))
    elif m["brightness"] > MAX_BRIGHTNESS:
        found.append(reason("too_bright", brightness=m["brightness"], maximum=MAX_BRIGHTNESS))
    if m["sharpness"] < MIN_SHARPNESS:
        found.append(reason("blurred", sharpness=m["sharpness"], minimum=MIN_SHARPNESS))
    if m["ear"] < MIN_EAR:
        found.append(reason("eyes_closed", ear=m["ear"], minimum=MIN_EAR))
    if abs(m["yaw"]) > MAX_YAW:
        found.append(reason("not_facing", yaw=m["yaw"], maximum=MAX_YAW))
    return [r for r in found if r.code not in skip]


def face_crop(rgb: np.ndarray, face: Face) -> np.ndarray:
    """Grey-level crop of the face box, resized to a fixed side (float 0-255).

    A fixed size makes sharpness comparable between a close and a far face.
    """
    crop = rgb[face.top : face.bottom + 1, face.left : face.right + 1]
    image = (
        Image.fromarray(crop).convert("L").resize((CROP_SIDE, CROP_SIDE), Image.Resampling.BILINEAR)
    )
    return np.asarray(image, dtype=np.float64)


def sharpness(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian, on a crop scaled to unit contrast.

    Dividing by the crop's own spread keeps a dim but sharp face from being
    called blurred; darkness has its own reason.
    """
    spread = gray.std()
    if spread < 1e-6:
        return 0.0
    g = (gray - gray.mean()) / spread
    lap = -4.0 * g[1:-1, 1:-1] + g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]
    return float(lap.var())
