"""The desk photo's refusals, worded for the adviser who holds the camera.

The face engine returns codes only; the pensioner's own selfie messages speak to
the pensioner (« rapprochez le téléphone »). At the desk the adviser frames the
picture, so the quality codes get their own words here; any other code (not a
picture, too large...) keeps the shared message.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..proof.messages import reason_text

DESK_REASONS = {
    "no_face": _l(
        "Aucun visage n'a été trouvé sur la photo. Placez l'allocataire face à la caméra, "
        "puis reprenez la photo."
    ),
    "several_faces": _l(
        "Plusieurs visages sont visibles sur la photo. Seul l'allocataire doit être devant "
        "la caméra."
    ),
    "face_too_small": _l(
        "Le visage est trop petit sur la photo. Rapprochez l'allocataire de la caméra."
    ),
    "too_dark": _l("La photo est trop sombre. Éclairez le visage de l'allocataire."),
    "too_bright": _l("La photo est trop claire. Évitez la lumière directe ou le contre-jour."),
    "blurred": _l("La photo est floue. L'allocataire doit rester immobile pendant la prise."),
    "eyes_closed": _l("Les yeux de l'allocataire semblent fermés sur la photo."),
    "not_facing": _l("L'allocataire doit regarder la caméra, le visage bien de face."),
}


def desk_photo_text(code: str) -> str:
    """The adviser's message for a refused desk photo, in the current language."""
    return str(DESK_REASONS.get(code) or reason_text(code))
