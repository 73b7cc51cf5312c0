"""The relay's wire format: what the helper may send, what it gets back, and its errors.

Shared by ``nfc_bridge.relay.RelayService`` (the server side) and anything that
speaks to it: the web blueprint, scripted clients, demo mode (``play_helper``).
The Java ``RelayClient`` in ``nfc_bridge/android`` is its other implementation;
``nfc_bridge/PROTOCOL.md`` describes both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from nfc_bridge.errors import NfcError, RelayError, ReplayDetected, SessionExpired

MAX_SEQ = 10_000
MAX_BATCH = 64  # commands per batch the server may send; responses can't exceed it
MAX_RESPONSE_BYTES = 65_538  # extended-length data (64 KiB) + SW1SW2
MAX_REQUEST_BYTES = 512 * 1024  # a whole exchange body, for the blueprint to enforce
SHORT_READ = 0xDF  # plain bytes per READ BINARY whose protected answer fits a short APDU
EXTENDED_READ = 0xFF00
SM_OVERHEAD = 64  # DO'87' header and padding, DO'99', DO'8E', SW1SW2, with room to spare


class SessionNotFound(RelayError):
    """Unknown session id or wrong secret (deliberately indistinguishable)."""

    code = "relay_unknown_session"


class BadPayload(RelayError):
    """The helper sent something that is not a well-formed exchange."""

    code = "relay_bad_payload"


class SessionClosed(RelayError):
    """The session already ended (read done, failed or cancelled)."""

    code = "relay_session_closed"


class ReadCancelled(RelayError):
    """The pensioner or the helper cancelled the read."""

    code = "relay_cancelled"


class ReadNotFinished(RelayError):
    """``result`` was asked before the chip was fully read and verified."""

    code = "relay_not_finished"


_HTTP_STATUS = {
    SessionNotFound: 404,
    BadPayload: 400,
    SessionClosed: 409,
    ReplayDetected: 409,
    SessionExpired: 410,
    ReadNotFinished: 409,
}


def http_status(exc: NfcError) -> int:
    """The HTTP status a blueprint should answer for a relay error."""
    for cls, status in _HTTP_STATUS.items():
        if isinstance(exc, cls):
            return status
    return 400


def public_error(exc: NfcError) -> dict:
    """What the helper and the PWA may see of an error: no internal detail."""
    return {"code": exc.code}


HELPER_PACKAGE = "org.dialvie.nfc"
HELPER_SCHEME = "dialvie-nfc"


def intent_link(session_url: str, return_url: str, fallback_url: str) -> str:
    """The Chrome ``intent://`` link that opens the helper on a session.

    Chrome opens ``fallback_url`` (how to install the helper) when the app is
    missing. See PROTOCOL.md, "Opening the helper".
    """
    query = urlencode({"s": session_url, "r": return_url}, quote_via=quote)
    return (
        f"intent://relay?{query}#Intent;scheme={HELPER_SCHEME};package={HELPER_PACKAGE};"
        f"S.browser_fallback_url={quote(fallback_url, safe='')};end"
    )


def read_size_for(max_apdu: int) -> int:
    """The largest READ BINARY whose protected answer fits the helper's ``max_apdu``."""
    return max(SHORT_READ, min(EXTENDED_READ, max_apdu - SM_OVERHEAD))


def validate_exchange(seq: Any, responses: Any) -> tuple[int, list[str]]:
    """Check an exchange's shape; ``BadPayload`` says what is wrong."""
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
        raise BadPayload(f"seq must be an integer in 0..{MAX_SEQ}")
    if not isinstance(responses, list):
        raise BadPayload("responses must be a list of hex strings")
    if len(responses) > MAX_BATCH:
        raise BadPayload(f"more than {MAX_BATCH} responses")
    for index, item in enumerate(responses):
        if not isinstance(item, str):
            raise BadPayload(f"response {index} is not a string")
        if not 4 <= len(item) <= 2 * MAX_RESPONSE_BYTES or len(item) % 2:
            raise BadPayload(f"response {index} has a bad length")
        try:
            bytes.fromhex(item)
        except ValueError:
            raise BadPayload(f"response {index} is not hex") from None
        if not item.isascii() or not item.isalnum():  # fromhex skips spaces
            raise BadPayload(f"response {index} is not hex")
    return seq, responses


def parse_exchange_body(raw: bytes | str) -> dict:
    """Decode a raw HTTP body into ``exchange`` keyword arguments (blueprint helper).

    ``service.exchange(token, **parse_exchange_body(request.get_data()))``.
    Only the shape is checked here; ``exchange`` checks the values.
    """
    if len(raw) > MAX_REQUEST_BYTES:
        raise BadPayload("request too large")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("body is not JSON") from None
    except RecursionError:  # deeply nested arrays or objects
        raise BadPayload("body is nested too deeply") from None
    if not isinstance(body, dict) or "seq" not in body:
        raise BadPayload("body must be an object with seq and responses")
    request = {"seq": body["seq"], "responses": body.get("responses", [])}
    if body.get("max_apdu") is not None:
        request["max_apdu"] = body["max_apdu"]
    return request


def play_helper(
    exchange: Callable[[dict], dict],
    transmit: Callable[[bytes], bytes],
    *,
    max_apdu: int | None = None,
    max_rounds: int = 100,
) -> dict:
    """Do the Android helper's job in Python; returns the last reply.

    ``exchange`` posts one request body (``{"seq", "responses"[, "max_apdu"]}``)
    and returns the reply: ``lambda body: service.exchange(token, **body)``
    in-process, or an HTTP POST to ``/nfc/sessions/<token>/exchange``.
    ``transmit`` is the chip. For demo mode (the server plays the phone with
    the simulator), scripted clients and tests.
    """
    body: dict = {"seq": 0, "responses": []}
    if max_apdu is not None:
        body["max_apdu"] = max_apdu
    for _ in range(max_rounds):
        reply = exchange(body)
        if reply["done"]:
            return reply
        responses = []
        for command in reply["commands"]:
            try:
                responses.append(transmit(bytes.fromhex(command)).hex())
            except NfcError:  # e.g. ChipRemoved from a transport: report the short list
                break
        body = {"seq": reply["seq"], "responses": responses}
    raise RelayError("relay did not finish")
