"""What each passport-reader error code says to the pensioner, through the Babel catalogue.

``nfc_bridge`` errors carry a stable code and parameters only; this is the one
place that turns them into text. The relay's replies carry ``message`` in the
request's language and ``message_fr`` in French, which the released Android
helper shows (nfc_bridge/PROTOCOL.md).
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, lazy_gettext as _l

CHECK_PASSPORT = _l("Vérifiez les informations de votre passeport")
HOLD_STILL = _l("Gardez le téléphone immobile sur le passeport")
RETRY = _l("La lecture de la puce a échoué, veuillez réessayer")
NOT_AUTHENTIC = _l("Le passeport n'a pas pu être authentifié")

MESSAGES = {
    "invalid_mrz": CHECK_PASSPORT,
    "bac_failed": CHECK_PASSPORT,
    "pace_failed": CHECK_PASSPORT,
    "chip_removed": HOLD_STILL,
    "passive_auth_failed": NOT_AUTHENTIC,
    "active_auth_failed": NOT_AUTHENTIC,
    "session_expired": _l("La session a expiré, veuillez recommencer"),
    "relay_unknown_session": _l("Cette session de lecture est inconnue, veuillez recommencer"),
    "relay_session_closed": _l("Cette lecture est terminée, veuillez recommencer"),
    "relay_cancelled": _l("La lecture du passeport a été annulée"),
    "pcsc_unavailable": _l(
        "Le service de lecture de cartes ne répond pas. Prévenez un conseiller."
    ),
    "reader_not_found": _l("Aucun lecteur de passeport n'est branché. Prévenez un conseiller."),
    "no_chip": _l("Posez la page photo du passeport sur le lecteur."),
}
# Every other code (secure messaging, malformed answers, odd status words, relay
# protocol errors...) means "try again" to the pensioner.


def error_message(code: str) -> str:
    """The text for ``code`` in the current locale."""
    return str(MESSAGES.get(code, RETRY))


def with_messages(error: dict[str, Any] | None) -> dict[str, Any] | None:
    """``error`` (``{"code", ...}``) with ``message`` and ``message_fr`` added."""
    if not error:
        return error
    code = str(error.get("code", ""))
    with force_locale("fr"):
        french = error_message(code)
    return {**error, "message": error_message(code), "message_fr": french}
