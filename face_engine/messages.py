"""Reason codes: what the engine tells its callers, without any wording.

The engine knows nothing of Flask or Babel: each outcome a pensioner may see
has a stable ``code`` and the measured values behind it (``details``). The web
layer words each code in the reader's language from the one Babel catalogue
(``webapp/proof/messages.py``); the CLI prints the codes.

The codes: ``not_an_image``, ``unsupported_format``, ``image_truncated``,
``image_too_large`` (input); ``no_face``, ``several_faces``, ``face_too_small``,
``too_dark``, ``too_bright``, ``blurred``, ``eyes_closed``, ``not_facing``
(quality gate); ``challenge_expired``, ``nonce_reused``, ``too_few_frames``,
``face_lost``, ``different_faces``, ``still_face``, ``blink_not_seen``,
``turn_left_not_seen``, ``turn_right_not_seen``, ``planar_motion``,
``wrong_order`` (liveness refusals) and ``liveness_uncertain`` (grey zone:
sent to review); ``template_invalid``, ``template_tampered``, ``invalid_key``
(template storage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Every code the engine may report (see the module docstring).
CODES = frozenset(
    {
        "not_an_image",
        "unsupported_format",
        "image_truncated",
        "image_too_large",
        "no_face",
        "several_faces",
        "face_too_small",
        "too_dark",
        "too_bright",
        "blurred",
        "eyes_closed",
        "not_facing",
        "challenge_expired",
        "nonce_reused",
        "too_few_frames",
        "face_lost",
        "different_faces",
        "still_face",
        "blink_not_seen",
        "turn_left_not_seen",
        "turn_right_not_seen",
        "planar_motion",
        "wrong_order",
        "liveness_uncertain",
        "template_invalid",
        "template_tampered",
        "invalid_key",
    }
)


@dataclass(frozen=True)
class QualityReason:
    """One named reason for refusing a picture or a liveness burst.

    ``code`` is stable (the web layer's translation key); ``details`` holds the
    measured values that led to it, for logs and audits.
    """

    code: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-friendly form."""
        return {"code": self.code, "details": dict(self.details)}


def reason(code: str, **details: Any) -> QualityReason:
    """Build the reason for ``code`` (one of :data:`CODES`) with its measures."""
    if code not in CODES:
        raise ValueError(f"unknown reason code {code!r}")
    return QualityReason(code, details)
