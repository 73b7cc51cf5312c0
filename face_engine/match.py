"""Face matching: 128-d encodings compared by Euclidean distance.

Three outcomes, not two: below :data:`MATCH_THRESHOLD` the faces match; above
:data:`REVIEW_THRESHOLD` they do not; in between, a human reviews the pair,
because refusing a living pensioner stops their pension. A picture that fails
the quality gate is ``refused`` with its reasons and never compared.
How the thresholds were chosen: ``docs/face-threshold.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from face_engine.detect import encode_face, face_recognition
from face_engine.errors import PictureRefused
from face_engine.messages import QualityReason
from face_engine.quality import QualityResult, check_quality
from face_engine.templates import (  # noqa: F401  (re-exported)
    as_template,
    decrypt_template,
    encrypt_template,
    template_from_bytes,
    template_to_bytes,
)

#: At or below: same person.
MATCH_THRESHOLD = 0.50
#: Above MATCH_THRESHOLD and at or below this: sent to human review.
REVIEW_THRESHOLD = 0.60

DECISIONS = ("match", "no_match", "review", "refused")


@dataclass(frozen=True)
class MatchOutcome:
    """The outcome of one comparison.

    ``decision`` is one of :data:`DECISIONS`; ``distance`` is None when a
    picture was refused before comparing; ``quality`` holds the selfie's
    refusal reasons and ``reference_quality`` the reference picture's.
    """

    decision: str
    distance: float | None
    quality: tuple[QualityReason, ...] = ()
    reference_quality: tuple[QualityReason, ...] = ()

    @property
    def codes(self) -> list[str]:
        """Reason codes of every refusal, selfie first."""
        return [r.code for r in self.quality + self.reference_quality]

    def to_dict(self) -> dict[str, Any]:
        """The CLI/JSON form: decision, distance, quality codes."""
        return {
            "decision": self.decision,
            "distance": None if self.distance is None else round(self.distance, 4),
            "quality": [r.code for r in self.quality],
            "reference_quality": [r.code for r in self.reference_quality],
        }


def decide(distance: float) -> str:
    """Map a distance to ``match``, ``review`` or ``no_match``."""
    if distance <= MATCH_THRESHOLD:
        return "match"
    if distance <= REVIEW_THRESHOLD:
        return "review"
    return "no_match"


def face_distance(a: object, b: object) -> float:
    """Euclidean distance between two templates (``face_recognition.face_distance``)."""
    return float(face_recognition().face_distance([as_template(a)], as_template(b))[0])


def encoding_of(result: QualityResult) -> np.ndarray:
    """Encode the face of a picture that passed the gate."""
    if not result.ok or result.face is None or result.image is None:
        raise PictureRefused(result.reasons)
    return encode_face(result.image.rgb, result.face)


def encode_reference(image_bytes: bytes) -> np.ndarray:
    """The template of a reference picture; :class:`PictureRefused` if unusable."""
    return encoding_of(check_quality(image_bytes))


def verify(reference_image_bytes: bytes, selfie_image_bytes: bytes) -> MatchOutcome:
    """Compare a selfie with a reference picture.

    Image errors (not a picture, truncated, too large) are raised; a picture
    that is readable but unusable gives a ``refused`` decision.
    """
    reference = check_quality(reference_image_bytes)
    selfie = check_quality(selfie_image_bytes)
    if not (reference.ok and selfie.ok):
        return MatchOutcome("refused", None, selfie.reasons, reference.reasons)
    distance = face_distance(encoding_of(reference), encoding_of(selfie))
    return MatchOutcome(decide(distance), distance)


def verify_template(reference_template: object, selfie_image_bytes: bytes) -> MatchOutcome:
    """Compare a selfie with a stored (decrypted) reference template."""
    reference = as_template(reference_template)
    selfie = check_quality(selfie_image_bytes)
    if not selfie.ok:
        return MatchOutcome("refused", None, selfie.reasons)
    distance = face_distance(reference, encoding_of(selfie))
    return MatchOutcome(decide(distance), distance)
