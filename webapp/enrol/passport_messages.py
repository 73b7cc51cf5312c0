"""What the passport enrolment's refusal codes say, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CLOSER = _l("Rapprochez le passeport et évitez les reflets, puis réessayez.")

SCAN = {
    "scan_empty": _l("Aucune photo n'a été reçue. Réessayez."),
    "scan_too_large": _l("La photo est trop volumineuse. Réessayez avec une photo plus petite."),
    "scan_not_image": _l("Le fichier envoyé n'est pas une photo lisible."),
    "scan_expired": _l("La photo n'a pas pu être lue à temps. Réessayez."),
    "not_an_image": _l("Le fichier envoyé n'est pas une photo lisible."),
    "unreadable": _l(
        "Les caractères en bas de la page sont mal lus. Photographiez la page bien à plat, "
        "nette et sans reflets."
    ),
    "check_digits": _l(
        "Les caractères en bas de la page sont mal lus. Photographiez la page bien à plat, "
        "nette et sans reflets."
    ),
    "not_a_passport": _l(
        "Ce document n'est pas un passeport. Photographiez la page de votre passeport "
        "qui porte votre photo."
    ),
    "no_mrz": _l(
        "Nous ne trouvons pas les deux lignes de caractères en bas de la page. Photographiez "
        "toute la page de votre passeport qui porte votre photo."
    ),
    "blur": CLOSER,
    "internal": _l("La lecture n'a pas pu être faite. Réessayez dans un instant."),
}

CHIP = {
    "read_failed": _l(
        "La lecture de la puce s'est interrompue. Gardez le téléphone immobile sur le "
        "passeport fermé jusqu'à la fin, puis réessayez."
    ),
    "wrong_key": _l(
        "La puce n'a pas accepté les informations scannées. Scannez à nouveau la page photo "
        "de ce passeport."
    ),
    "cancelled": _l("La lecture a été annulée."),
    "expired": _l("La lecture a pris trop de temps. Recommencez."),
    "chip_not_authentic": _l(
        "La signature de la puce n'a pas pu être vérifiée : ce passeport ne peut pas servir "
        "à l'inscription en ligne."
    ),
    "chip_cloned": _l(
        "La puce n'a pas pu prouver qu'elle est authentique : ce passeport ne peut pas servir "
        "à l'inscription en ligne."
    ),
    "document_expired": _l(
        "Ce passeport a expiré. Il faut un passeport en cours de validité pour l'inscription "
        "en ligne."
    ),
    "chip_mismatch": _l(
        "Les données de la puce ne correspondent pas à la page scannée. Scannez la page photo "
        "du même passeport."
    ),
    "no_photo": _l("La puce ne contient pas de photo lisible."),
    "no_mrz": _l("Scannez d'abord la page photo de votre passeport."),
}

#: Chip refusals a new try cannot fix: the selfie procedure is the way forward.
FINAL = {"chip_not_authentic", "chip_cloned", "document_expired", "no_photo"}
#: Refusals fixed by scanning the page again.
RESCAN = {"wrong_key", "chip_mismatch", "no_mrz"}

_BLUR_WORDS = ("blur", "glare", "flou", "reflet", "dark", "bright", "small")


def scan_text(code: str | None) -> str:
    """The message for a scan outcome code (engine reasons included)."""
    code = code or "no_mrz"
    if code in SCAN:
        return str(SCAN[code])
    if any(word in code for word in _BLUR_WORDS):
        return str(CLOSER)
    return str(SCAN["no_mrz"])


def chip_code(code: str, reason: str | None = None) -> str:
    """A chip refusal code, the relay's read failures folded into a few cases."""
    if code != "read_failed":
        return code
    if reason in ("bac_failed", "pace_failed"):
        return "wrong_key"
    if reason == "relay_cancelled":
        return "cancelled"
    if reason in ("session_expired", "relay_unknown_session"):
        return "expired"
    return "read_failed"


def chip_text(code: str) -> str:
    """The message for a (folded) chip refusal code."""
    return str(CHIP.get(code, CHIP["read_failed"]))
