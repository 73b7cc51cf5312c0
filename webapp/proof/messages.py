"""Reason codes (face engine and proof-of-life service) worded in the reader's language.

The engine returns codes only (``face_engine.CODES``); every text is here, the
French msgids translated in the one Babel catalogue. An unknown code gets a
generic message (tests/face checks every engine code has its own).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l, ngettext

from ..i18n import long_date
from ..services.proof_retry import NextTry

ACTIONS = {
    "blink": _l("Fermez les yeux une seconde"),
    "turn_left": _l("Tournez la tête vers votre gauche"),
    "turn_right": _l("Tournez la tête vers votre droite"),
}

REASONS = {
    "not_an_image": _l("Le fichier envoyé n'est pas une photo lisible."),
    "unsupported_format": _l("Ce format de photo n'est pas accepté (JPEG, PNG ou WebP)."),
    "image_truncated": _l("La photo est incomplète. Réessayez l'envoi."),
    "image_too_large": _l("La photo est trop volumineuse."),
    "too_many_frames": _l("Trop d'images ont été envoyées. Recommencez depuis le début."),
    "too_few_frames": _l("La vidéo est trop courte. Recommencez en suivant les consignes."),
    "no_face": _l("Aucun visage n'a été trouvé. Placez votre visage dans l'ovale."),
    "several_faces": _l("Plusieurs visages sont visibles. Soyez seul devant la caméra."),
    "face_too_small": _l("Votre visage est trop loin. Rapprochez le téléphone."),
    "too_dark": _l("La photo est trop sombre. Mettez-vous face à une fenêtre ou une lampe."),
    "too_bright": _l("La photo est trop claire. Évitez le soleil direct ou le contre-jour."),
    "blurred": _l("La photo est floue. Tenez le téléphone immobile."),
    "eyes_closed": _l("Vos yeux semblent fermés. Gardez les yeux ouverts."),
    "not_facing": _l("Regardez bien la caméra, le visage de face."),
    "challenge_expired": _l("Le délai est dépassé. Recommencez depuis le début."),
    "nonce_reused": _l("Cette vérification a déjà été utilisée. Recommencez depuis le début."),
    "nonce_unknown": _l("Cette vérification n'est plus valable. Recommencez depuis le début."),
    "face_lost": _l("Votre visage est sorti de l'ovale. Restez bien en face de la caméra."),
    "different_faces": _l(
        "Le visage a changé pendant la vérification. Une seule personne doit apparaître."
    ),
    "still_face": _l("Aucun mouvement n'a été vu. Une photo ne suffit pas : suivez les consignes."),
    "blink_not_seen": _l(
        "Nous n'avons pas vu vos yeux se fermer. Fermez les yeux une seconde quand c'est demandé."
    ),
    "turn_left_not_seen": _l("Nous n'avons pas vu votre tête tourner vers votre gauche."),
    "turn_right_not_seen": _l("Nous n'avons pas vu votre tête tourner vers votre droite."),
    "wrong_order": _l("Les gestes n'ont pas été faits dans l'ordre demandé."),
    "planar_motion": _l(
        "Le visage a bougé comme une photo que l'on tourne. Recommencez face à la caméra, "
        "sans photo ni écran."
    ),
    "liveness_uncertain": _l("Votre vérification sera examinée par un conseiller."),
    "no_match": _l("Le visage ne correspond pas à votre photo de référence."),
    "no_reference": _l(
        "Nous n'avons pas encore votre photo de référence. Prenez rendez-vous en agence."
    ),
    "daily_limit": _l(
        "Vous avez fait trop d'essais aujourd'hui. Réessayez demain ou prenez rendez-vous "
        "dans une agence."
    ),
    "frames_unreadable": _l("Les images n'ont pas pu être lues. Recommencez depuis le début."),
    "template_invalid": _l("Votre photo de référence est illisible. Contactez votre agence."),
    "template_tampered": _l("Votre photo de référence est illisible. Contactez votre agence."),
    "invalid_key": _l("Votre photo de référence est illisible. Contactez votre agence."),
    "review_reason_required": _l("Indiquez le motif de votre décision."),
    "already_reviewed": _l("Cette demande a déjà été traitée."),
    "attempt_not_found": _l("Élément introuvable."),
    "pensioner_not_found": _l("Aucun allocataire avec ce numéro de dossier."),
    "already_attested": _l("Cet allocataire a déjà attesté de sa vie ce trimestre."),
}


GENERIC = _l("Une erreur est survenue. Recommencez.")


def reason_text(code: str) -> str:
    """The message for a reason code in the current language."""
    return str(REASONS.get(code, GENERIC))


def action_text(code: str) -> str:
    """The spoken/printed instruction for a liveness action."""
    return str(ACTIONS.get(code, code))


def daily_limit_text(limit: int, next_try: NextTry) -> str:
    """The daily limit in plain words: how many tries were made, and when the next one is.

    The time is the fund's local midnight (the limit's day is Moroccan); the
    delay is also given in hours (or minutes), which holds in any time zone.
    """
    done = ngettext(
        "Vous avez fait %(num)d essai aujourd'hui : c'est le maximum pour une journée.",
        "Vous avez fait %(num)d essais aujourd'hui : c'est le maximum pour une journée.",
        limit,
    )
    day = long_date(next_try.at)
    if next_try.wait.total_seconds() >= 3600:
        when = ngettext(
            "Vous pourrez réessayer le %(date)s à partir de minuit, heure du Maroc "
            "(dans %(num)d heure environ).",
            "Vous pourrez réessayer le %(date)s à partir de minuit, heure du Maroc "
            "(dans %(num)d heures environ).",
            next_try.hours,
            date=day,
        )
    else:
        when = ngettext(
            "Vous pourrez réessayer le %(date)s à partir de minuit, heure du Maroc "
            "(dans %(num)d minute).",
            "Vous pourrez réessayer le %(date)s à partir de minuit, heure du Maroc "
            "(dans %(num)d minutes).",
            next_try.minutes,
            date=day,
        )
    return f"{done} {when}"


def last_time_texts(codes: list[str]) -> list[str]:
    """What went wrong last time, at most three distinct messages."""
    return list(dict.fromkeys(reason_text(c) for c in codes))[:3]
