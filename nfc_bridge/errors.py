"""Named errors of the eMRTD reader.

Every error carries a stable ``code`` (a key the web layer can translate) and a
French default ``message_fr`` a pensioner can read. Protocol code never lets a
bare ``ValueError`` or ``IndexError`` escape: it is turned into one of these.
"""

from __future__ import annotations

CHECK_PASSPORT_FR = "Vérifiez les informations de votre passeport"
HOLD_STILL_FR = "Gardez le téléphone immobile sur le passeport"
RETRY_FR = "La lecture de la puce a échoué, veuillez réessayer"
NOT_AUTHENTIC_FR = "Le passeport n'a pas pu être authentifié"


class NfcError(Exception):
    """Base class: ``code`` is a stable key, ``message_fr`` the French default text."""

    code: str = "nfc_error"
    message_fr: str = RETRY_FR

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail

    def to_dict(self) -> dict:
        """Small JSON-friendly form for relays and CLIs."""
        return {"code": self.code, "message_fr": self.message_fr, "detail": self.detail}


class InvalidMrz(NfcError):
    """The MRZ information is malformed or a check digit is wrong."""

    code = "invalid_mrz"
    message_fr = CHECK_PASSPORT_FR


class BacFailed(NfcError):
    """BAC mutual authentication failed: most often a mistyped MRZ."""

    code = "bac_failed"
    message_fr = CHECK_PASSPORT_FR


class PaceFailed(NfcError):
    """PACE failed (wrong MRZ, or a protocol the chip and we do not share)."""

    code = "pace_failed"
    message_fr = CHECK_PASSPORT_FR


class SecureMessagingError(NfcError):
    """A protected answer had a bad MAC, missing objects or bad padding."""

    code = "secure_messaging"
    message_fr = RETRY_FR


class ChipRemoved(NfcError):
    """The chip stopped answering (it left the reader's field)."""

    code = "chip_removed"
    message_fr = HOLD_STILL_FR


class MalformedResponse(NfcError):
    """Bytes that do not parse: truncated TLV, short APDU, garbage from a relay."""

    code = "malformed_response"
    message_fr = RETRY_FR


class StatusWordError(NfcError):
    """The chip answered with an unexpected status word (kept in ``sw``)."""

    code = "status_word"
    message_fr = RETRY_FR

    def __init__(self, detail: str = "", sw: int | None = None) -> None:
        super().__init__(detail)
        self.sw = sw


class PassiveAuthFailed(NfcError):
    """The data is not what the issuing state signed (for callers that require PA)."""

    code = "passive_auth_failed"
    message_fr = NOT_AUTHENTIC_FR


class ActiveAuthFailed(NfcError):
    """The chip could not prove it holds the DG15 key (for callers that require AA)."""

    code = "active_auth_failed"
    message_fr = NOT_AUTHENTIC_FR


class RelayError(NfcError):
    """Base of the phone relay's errors."""

    code = "relay_error"
    message_fr = RETRY_FR


class SessionExpired(NfcError):
    """The relay session timed out."""

    code = "session_expired"
    message_fr = "La session a expiré, veuillez recommencer"


class ReplayDetected(NfcError):
    """A relay message came twice or out of order."""

    code = "replay_detected"
    message_fr = RETRY_FR


ALL_ERRORS = {
    cls.code: cls
    for cls in (
        NfcError,
        InvalidMrz,
        BacFailed,
        PaceFailed,
        SecureMessagingError,
        ChipRemoved,
        MalformedResponse,
        StatusWordError,
        PassiveAuthFailed,
        ActiveAuthFailed,
        RelayError,
        SessionExpired,
        ReplayDetected,
    )
}


def error_from_dict(d: dict) -> NfcError:
    """Rebuild an error saved with ``to_dict`` (used when a terminal is resumed)."""
    cls = ALL_ERRORS.get(d.get("code", ""), NfcError)
    return cls(d.get("detail", ""))
