"""Reason codes and their default user-facing messages.

The engine knows nothing of Flask or Babel: each outcome a pensioner may see
has a stable ``code`` (the translation key for the web layer) with a French
default text and an English text. The web layer looks the code up in its own
catalogues and falls back to these defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: code -> (French default, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # Image input
    "not_an_image": (
        "Le fichier envoyé n'est pas une photo lisible.",
        "The uploaded file is not a readable picture.",
    ),
    "unsupported_format": (
        "Ce format de photo n'est pas accepté (JPEG, PNG ou WebP).",
        "This picture format is not accepted (JPEG, PNG or WebP).",
    ),
    "image_truncated": (
        "La photo est incomplète. Réessayez l'envoi.",
        "The picture is incomplete. Please send it again.",
    ),
    "image_too_large": (
        "La photo est trop volumineuse.",
        "The picture is too large.",
    ),
    # Quality gate
    "no_face": (
        "Aucun visage n'a été trouvé. Placez votre visage dans l'ovale.",
        "No face was found. Place your face inside the oval.",
    ),
    "several_faces": (
        "Plusieurs visages sont visibles. Soyez seul devant la caméra.",
        "Several faces are visible. Be alone in front of the camera.",
    ),
    "face_too_small": (
        "Votre visage est trop loin. Rapprochez le téléphone.",
        "Your face is too far away. Bring the phone closer.",
    ),
    "too_dark": (
        "La photo est trop sombre. Mettez-vous face à une fenêtre ou une lampe.",
        "The picture is too dark. Face a window or a lamp.",
    ),
    "too_bright": (
        "La photo est trop claire. Évitez le soleil direct ou le contre-jour.",
        "The picture is too bright. Avoid direct sunlight or backlight.",
    ),
    "blurred": (
        "La photo est floue. Tenez le téléphone immobile.",
        "The picture is blurred. Hold the phone still.",
    ),
    "eyes_closed": (
        "Vos yeux semblent fermés. Gardez les yeux ouverts.",
        "Your eyes seem closed. Keep your eyes open.",
    ),
    "not_facing": (
        "Regardez bien la caméra, le visage de face.",
        "Look straight at the camera.",
    ),
    # Liveness
    "challenge_expired": (
        "Le délai est dépassé. Recommencez depuis le début.",
        "Time is up. Please start again.",
    ),
    "nonce_reused": (
        "Cette vérification a déjà été utilisée. Recommencez depuis le début.",
        "This check was already used. Please start again.",
    ),
    "too_few_frames": (
        "La vidéo est trop courte. Recommencez en suivant les consignes.",
        "The video is too short. Start again and follow the steps.",
    ),
    "face_lost": (
        "Votre visage est sorti de l'ovale. Restez bien en face de la caméra.",
        "Your face left the oval. Stay in front of the camera.",
    ),
    "different_faces": (
        "Le visage a changé pendant la vérification. Une seule personne doit apparaître.",
        "The face changed during the check. Only one person may appear.",
    ),
    "still_face": (
        "Aucun mouvement n'a été vu. Une photo ne suffit pas : suivez les consignes.",
        "No movement was seen. A photo is not enough: follow the steps.",
    ),
    "blink_not_seen": (
        "Nous n'avons pas vu vos yeux se fermer. Fermez les yeux une seconde quand c'est demandé.",
        "We did not see your eyes close. Close your eyes for a second when asked.",
    ),
    "turn_left_not_seen": (
        "Nous n'avons pas vu votre tête tourner vers votre gauche.",
        "We did not see your head turn to your left.",
    ),
    "turn_right_not_seen": (
        "Nous n'avons pas vu votre tête tourner vers votre droite.",
        "We did not see your head turn to your right.",
    ),
    "planar_motion": (
        "Le visage a bougé comme une photo que l'on tourne. Recommencez face à la caméra, "
        "sans photo ni écran.",
        "The face moved like a photo being turned. Start again facing the camera, "
        "without a photo or a screen.",
    ),
    "liveness_uncertain": (
        "Votre vérification sera examinée par un conseiller.",
        "An adviser will look at your check.",
    ),
    "wrong_order": (
        "Les gestes n'ont pas été faits dans l'ordre demandé.",
        "The moves were not made in the requested order.",
    ),
    # Template storage
    "template_invalid": (
        "La photo de référence enregistrée est illisible.",
        "The stored reference is unreadable.",
    ),
    "template_tampered": (
        "La photo de référence enregistrée a été altérée.",
        "The stored reference has been altered.",
    ),
    "invalid_key": (
        "Clé de chiffrement invalide.",
        "Invalid encryption key.",
    ),
}


@dataclass(frozen=True)
class QualityReason:
    """One named reason for refusing a picture or a liveness burst.

    ``code`` is stable (use it as a translation key); ``message_fr`` is the
    default text shown to the pensioner; ``details`` holds the measured values
    that led to it, for logs and audits.
    """

    code: str
    message_fr: str
    message_en: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-friendly form."""
        return {
            "code": self.code,
            "message_fr": self.message_fr,
            "message_en": self.message_en,
            "details": dict(self.details),
        }


def reason(code: str, **details: Any) -> QualityReason:
    """Build the reason for ``code`` with its default messages."""
    message_fr, message_en = MESSAGES[code]
    return QualityReason(code, message_fr, message_en, details)
