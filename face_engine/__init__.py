"""Face engine for proof of life: quality gate, matching, liveness.

Plain Python on dlib (HOG detector, 68 landmarks, ResNet encoder from the
``face_recognition_models`` package); no Flask, so tests, RQ jobs and the CLI
call it alike. The stable API:

- :func:`check_quality` (picture bytes) -> :class:`QualityResult`
- :func:`verify` (reference bytes, selfie bytes) -> :class:`MatchOutcome`
- :func:`verify_template` (stored template, selfie bytes) -> :class:`MatchOutcome`
- :func:`encode_reference` (picture bytes) -> template (128 floats)
- :func:`encrypt_template` / :func:`decrypt_template` for storage at rest
- :func:`new_challenge` -> :class:`Challenge`; :func:`check_burst` (frames,
  challenge, reference, optional :class:`LivenessConfig`) -> :class:`BurstResult`
- errors: :class:`FaceEngineError` and subclasses, each with a ``code`` (the
  engine returns codes and measures only: the web layer words them);
  :class:`ModelsMissing` is an infrastructure failure.

Decisions are ``match``, ``no_match``, ``review`` (grey zone: a human decides)
or ``refused`` (the pictures could not be used, or liveness failed; see the
reasons).
"""

import warnings
from typing import Any

from face_engine.burst import BurstResult, check_burst
from face_engine.detect import ModelsMissing, warm_up
from face_engine.errors import (
    FaceEngineError,
    ImageError,
    ImageTooLarge,
    InvalidKey,
    NotAnImage,
    PictureRefused,
    TemplateError,
    TemplateTampered,
    TruncatedImage,
    UnsupportedImageFormat,
)
from face_engine.liveness import (
    ACTIONS,
    Challenge,
    LivenessConfig,
    LivenessResult,
    analyse_landmarks,
    new_challenge,
)
from face_engine.match import (
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    MatchOutcome,
    encode_reference,
    verify,
    verify_template,
)
from face_engine.messages import CODES, QualityReason
from face_engine.quality import QualityResult, check_quality
from face_engine.templates import (
    decrypt_template,
    encrypt_template,
    new_key,
    template_from_bytes,
    template_to_bytes,
)

__all__ = [
    "ACTIONS",
    "CODES",
    "MATCH_THRESHOLD",
    "REVIEW_THRESHOLD",
    "BurstResult",
    "Challenge",
    "LivenessConfig",
    "MatchOutcome",
    "FaceEngineError",
    "ImageError",
    "ImageTooLarge",
    "InvalidKey",
    "LivenessResult",
    "ModelsMissing",
    "NotAnImage",
    "PictureRefused",
    "QualityReason",
    "QualityResult",
    "TemplateError",
    "TemplateTampered",
    "TruncatedImage",
    "UnsupportedImageFormat",
    "analyse_landmarks",
    "check_burst",
    "check_quality",
    "decrypt_template",
    "encode_reference",
    "encrypt_template",
    "new_challenge",
    "new_key",
    "template_from_bytes",
    "template_to_bytes",
    "verify",
    "verify_template",
    "warm_up",
]


def __getattr__(name: str) -> Any:
    # The old name of MatchOutcome, kept one release for callers being rebased.
    if name == "Decision":
        warnings.warn(
            "face_engine.Decision is now face_engine.MatchOutcome", DeprecationWarning, stacklevel=2
        )
        return MatchOutcome
    raise AttributeError(f"module 'face_engine' has no attribute {name!r}")
