"""Named errors of the eMRTD reader.

Every error carries a stable ``code`` and its ``params`` only: the text a
pensioner reads is chosen by the web layer from that code, in the pensioner's
language (``webapp/services/nfc_relay.py``). ``detail`` is for logs and
developers, in English. Protocol code never lets a bare ``ValueError`` or
``IndexError`` escape: it is turned into one of these.
"""

from __future__ import annotations

from typing import Any


class NfcError(Exception):
    """Base class: ``code`` is a stable key, ``params`` what a message may mention."""

    code: str = "nfc_error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail

    @property
    def params(self) -> dict[str, Any]:
        """JSON-ready parameters of this error (none by default)."""
        return {}

    def to_dict(self) -> dict:
        """Small JSON-friendly form for relays and CLIs."""
        return {"code": self.code, "params": self.params, "detail": self.detail}


class InvalidMrz(NfcError):
    """The MRZ information is malformed or a check digit is wrong."""

    code = "invalid_mrz"


class BacFailed(NfcError):
    """BAC mutual authentication failed: most often a mistyped MRZ."""

    code = "bac_failed"


class PaceFailed(NfcError):
    """PACE failed (wrong MRZ, or a protocol the chip and we do not share)."""

    code = "pace_failed"


class SecureMessagingError(NfcError):
    """A protected answer had a bad MAC, missing objects or bad padding."""

    code = "secure_messaging"


class ChipRemoved(NfcError):
    """The chip stopped answering (it left the reader's field)."""

    code = "chip_removed"


class MalformedResponse(NfcError):
    """Bytes that do not parse: truncated TLV, short APDU, garbage from a relay."""

    code = "malformed_response"


class StatusWordError(NfcError):
    """The chip answered with an unexpected status word (kept in ``sw``)."""

    code = "status_word"

    def __init__(self, detail: str = "", sw: int | None = None) -> None:
        super().__init__(detail)
        self.sw = sw

    @property
    def params(self) -> dict[str, Any]:
        """The status word, as four hex digits."""
        return {} if self.sw is None else {"sw": f"{self.sw:04X}"}


class PassiveAuthFailed(NfcError):
    """The data is not what the issuing state signed (for callers that require PA)."""

    code = "passive_auth_failed"


class ActiveAuthFailed(NfcError):
    """The chip could not prove it holds the DG15 key (for callers that require AA)."""

    code = "active_auth_failed"


class RelayError(NfcError):
    """Base of the phone relay's errors."""

    code = "relay_error"


class SessionExpired(NfcError):
    """The relay session timed out."""

    code = "session_expired"


class ReplayDetected(NfcError):
    """A relay message came twice or out of order."""

    code = "replay_detected"


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
    if cls is StatusWordError and (d.get("params") or {}).get("sw"):
        return StatusWordError(d.get("detail", ""), int(d["params"]["sw"], 16))
    return cls(d.get("detail", ""))
