"""The enrolment's states: the steps of both procedures, the allowed moves, the refusals.

One table, like the passport terminal's: resuming, going back and expiry are rules
read from here (see :mod:`.enrolment` for the moves themselves).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import DomainError

PROCEDURES: dict[str, tuple[str, ...]] = {
    "passport": ("terms", "privacy", "scan", "chip", "check", "contact", "code", "selfie", "done"),
    "agency": (
        "terms",
        "privacy",
        "identity",
        "selfie",
        "contact",
        "code",
        "appointment",
        "booked",
        "visit_selfie",
        "adviser_code",
        "done",
    ),
}
# Allowed backward moves: (procedure, from) -> to.
BACK: dict[tuple[str, str], frozenset[str]] = {
    ("passport", "chip"): frozenset({"scan"}),  # another passport, or a misread page
    ("passport", "check"): frozenset({"scan"}),
    ("passport", "code"): frozenset({"contact"}),
    ("agency", "code"): frozenset({"contact"}),
    ("agency", "booked"): frozenset({"appointment"}),  # move the appointment
}
# Steps after which nothing biometric may happen without both consents.
BEFORE_CONSENT = frozenset({"terms", "privacy"})
# Before the contact is proven, a newer enrolment of the same file replaces this one
# (the person started again on another phone); after it, the newer one is refused.
SUPERSEDABLE = frozenset({"terms", "privacy", "scan", "chip", "check", "identity", "selfie"})


class EnrolmentError(DomainError):
    """Any refusal in the enrolment procedure."""


class StepNotAllowed(EnrolmentError):
    message = _l("Cette étape n'est pas disponible maintenant. Reprenez là où vous en étiez.")


class ConsentsMissing(StepNotAllowed):
    message = _l("Acceptez les conditions et les deux consentements pour continuer.")


class EnrolmentExpired(EnrolmentError):
    message = _l("Votre inscription a expiré ou a été annulée. Vous pouvez recommencer.")


class AlreadyEnrolled(EnrolmentError):
    message = _l("Ce dossier est déjà inscrit. Connectez-vous avec votre numéro de dossier.")


class EnrolmentInProgress(AlreadyEnrolled):
    message = _l(
        "Une inscription est déjà en cours pour ce dossier. Reprenez-la sur l'appareil où "
        "vous l'avez commencée, ou contactez votre caisse."
    )


class ReferenceMissing(EnrolmentError):
    message = _l("Votre photo de référence n'est pas encore enregistrée.")


def steps(procedure: str) -> tuple[str, ...]:
    """The procedure's steps in order."""
    return PROCEDURES[procedure]


def allowed_moves(procedure: str, step: str) -> frozenset[str]:
    """Where ``step`` may go: the next step, plus the listed backward moves."""
    order = PROCEDURES[procedure]
    index = order.index(step)
    forward = {order[index + 1]} if index + 1 < len(order) else set()
    return frozenset(forward) | BACK.get((procedure, step), frozenset())
