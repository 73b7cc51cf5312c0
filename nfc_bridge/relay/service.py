"""Server side of the phone relay: sessions, batches of APDUs, and their guards.

The server runs the sans-IO ``Terminal``; the Android helper only carries
APDUs between the chip and ``RelayService.exchange`` (see ``PROTOCOL.md``).
Each request loads the terminal from the store, feeds it the chip's responses,
asks for the next batch and saves it back, so any web process can serve any
request. Nothing here imports Flask: a blueprint maps ``exchange``, ``cancel``
and ``status`` to routes and ``http_status(exc)``/``exc.to_dict()`` to replies.

The helper is untrusted. It authenticates with an unguessable token
(``<session id>.<secret>``, the secret 256 bits, stored only as a SHA-256 hash
and compared in constant time) that dies with its session. Sequence numbers
make every batch answer exactly once: re-sending the same request (a lost
reply) returns the same reply, anything else out of order ends the session.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from nfc_bridge.errors import NfcError, RelayError, ReplayDetected, SessionExpired
from nfc_bridge.relay.protocol import (  # re-exported: the relay's public API
    EXTENDED_READ,
    HELPER_PACKAGE,
    HELPER_SCHEME,
    MAX_BATCH,
    MAX_REQUEST_BYTES,
    MAX_RESPONSE_BYTES,
    MAX_SEQ,
    SHORT_READ,
    BadPayload,
    ReadCancelled,
    ReadNotFinished,
    SessionClosed,
    SessionNotFound,
    http_status,
    intent_link,
    parse_exchange_body,
    play_helper,
    public_error,
    read_size_for,
    validate_exchange,
)
from nfc_bridge.relay.store import MemoryStore, Store

log = logging.getLogger(__name__)

DEFAULT_TTL = 600.0  # seconds from start: opening the helper, laying the passport, reading
RETAIN_AFTER_EXPIRY = 300.0  # keep ended sessions a while: results, clear "expired" errors
KEY_PREFIX = "nfc:relay:"

__all__ = [
    "BadPayload",
    "EXTENDED_READ",
    "HELPER_PACKAGE",
    "HELPER_SCHEME",
    "KEY_PREFIX",
    "MAX_BATCH",
    "MAX_REQUEST_BYTES",
    "MAX_RESPONSE_BYTES",
    "MAX_SEQ",
    "MemoryStore",
    "ReadCancelled",
    "ReadNotFinished",
    "RelayService",
    "SHORT_READ",
    "SessionClosed",
    "SessionNotFound",
    "Store",
    "http_status",
    "intent_link",
    "parse_exchange_body",
    "play_helper",
    "public_error",
    "read_size_for",
    "validate_exchange",
]


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _request_digest(seq: int, responses: list[str], max_apdu: int | None) -> str:
    canonical = json.dumps([seq, [r.lower() for r in responses], max_apdu], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class RelayService:
    """Relay sessions between the server's terminal and an untrusted helper.

    ``trust_store`` is handed to passive authentication when the read ends;
    ``ttl`` is a session's whole lifetime in seconds; ``max_batch`` caps the
    commands per round trip (the terminal's default otherwise); ``clock`` is
    injectable for tests; ``terminal_class`` defaults to
    ``nfc_bridge.terminal.Terminal``.
    """

    def __init__(
        self,
        store: Store,
        trust_store: Any = None,
        ttl: float = DEFAULT_TTL,
        *,
        max_batch: int | None = None,
        clock: Callable[[], float] = time.time,
        terminal_class: Any = None,
    ) -> None:
        self.store = store
        self.trust_store = trust_store
        self.ttl = ttl
        self.max_batch = max_batch
        self.clock = clock
        self._terminal_class = terminal_class
        self._fallback_lock = threading.Lock()

    # -- public API ---------------------------------------------------------

    def start(self, mrz_information: str, *, aa_challenge: bytes | None = None) -> dict:
        """Open a session for the MRZ read by OCR; the MRZ never leaves the server.

        Returns ``{"token", "session_id", "expires_at"}``: the token goes into
        the helper's intent link, nowhere else.
        """
        terminal = self._new_terminal(mrz_information, aa_challenge)
        session_id = secrets.token_urlsafe(12)
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        state = {
            "v": 1,
            "sid": session_id,
            "secret": _hash_secret(secret),
            "expires": now + self.ttl,
            "status": "active",
            "seq": 0,
            "sent": 0,
            "last": None,
            "error": None,
            "progress": 0.0,
            "terminal": terminal.to_state(),
        }
        self._save(state)
        return {
            "token": f"{session_id}.{secret}",
            "session_id": session_id,
            "expires_at": state["expires"],
        }

    def exchange(self, token: str, seq: Any, responses: Any, max_apdu: Any = None) -> dict:
        """Take the chip's answers to batch ``seq`` and return the next batch.

        The first call is ``seq=0`` with no responses. The reply is
        ``{"seq", "commands", "progress", "done", "error"}``: the helper sends
        ``reply["seq"]`` with the answers to ``reply["commands"]``. A chip-side
        failure (wrong MRZ, chip removed...) comes back in ``error`` with
        ``done`` true; protocol abuse raises a ``RelayError`` (or
        ``ReplayDetected``/``SessionExpired``) and ends the session.

        ``max_apdu`` (first call only) is the longest response APDU the helper's
        NFC stack can carry; reads are sized to fit it.
        """
        with self._session_lock(token):
            return self._exchange(token, seq, responses, max_apdu)

    def _exchange(self, token: str, seq: Any, responses: Any, max_apdu: Any) -> dict:
        state = self._load(token)
        try:
            seq, responses = validate_exchange(seq, responses)
            if max_apdu is not None and (
                not isinstance(max_apdu, int)
                or isinstance(max_apdu, bool)
                or not 64 <= max_apdu <= 1 << 20
            ):
                raise BadPayload("max_apdu must be an integer in 64..1048576")
        except BadPayload as exc:
            self._end(state, exc)
            raise
        digest = _request_digest(seq, responses, max_apdu)
        last = state["last"]
        if last is not None and seq == last["seq"]:
            if hmac.compare_digest(digest, last["digest"]):
                return last["reply"]  # the helper lost our reply and asks again
            error = ReplayDetected("same seq, different responses")
            self._end(state, error)
            raise error
        if state["status"] != "active":
            raise SessionClosed(f"session is {state['status']}")
        if seq != state["seq"]:
            error = ReplayDetected(f"expected seq {state['seq']}, got {seq}")
            self._end(state, error)
            raise error
        if len(responses) > state["sent"]:
            garbage = BadPayload(f"{len(responses)} responses to {state['sent']} commands")
            self._end(state, garbage)
            raise garbage
        reply = self._advance(state, seq, [bytes.fromhex(r) for r in responses], max_apdu)
        state["last"] = {"seq": seq, "digest": digest, "reply": reply}
        self._save(state)
        return reply

    def cancel(self, token: str) -> dict:
        """Cancel the read (pensioner or helper gave up); returns ``status``."""
        with self._session_lock(token):
            state = self._load(token, allow_expired=True)
            if state["status"] == "active":
                self._end(state, ReadCancelled("cancelled"))
            return self._status(state)

    def status(self, token: str) -> dict:
        """Progress for the PWA to poll: ``{"status", "progress", "done", "error"}``."""
        return self._status(self._load(token, allow_expired=True))

    def result(self, token: str) -> Any:
        """The ``ReadResult``, passive authentication run against ``trust_store``.

        Only a session that read everything and passed the terminal's checks
        yields a result (nothing half-read is ever returned); otherwise the
        session's error is raised. The caller still decides on
        ``result.trusted`` (passive authentication passed, AA did not fail).
        """
        state = self._load(token, allow_expired=True)
        if state["status"] != "done":
            if state["error"] is not None:
                raise _rebuild_error(state["error"])
            raise ReadNotFinished(f"session is {state['status']}")
        terminal = self._terminal_cls().from_state(state["terminal"])
        if not terminal.done or terminal.error is not None:
            raise ReadNotFinished("terminal state is not a finished read")
        result = terminal.result
        result.verify(self.trust_store)  # the chain to our CSCAs, not just the signature
        return result

    def discard(self, token: str) -> None:
        """Forget the session now: the stored terminal holds the MRZ and the face image.

        Call it once the result is stored where it belongs; otherwise the
        session lingers until ``ttl`` + ``RETAIN_AFTER_EXPIRY``.
        """
        with self._session_lock(token):
            state = self._load(token, allow_expired=True)
            self.store.delete(KEY_PREFIX + state["sid"])

    # -- internals ----------------------------------------------------------

    def _session_lock(self, token: Any) -> AbstractContextManager:
        """One request at a time per session: the terminal state is read-modify-write."""
        session_id = token.split(".")[0] if isinstance(token, str) else ""
        store_lock = getattr(self.store, "lock", None)
        if callable(store_lock):
            return store_lock(KEY_PREFIX + session_id)
        return self._fallback_lock

    def _terminal_cls(self) -> Any:
        if self._terminal_class is None:
            from nfc_bridge.terminal import Terminal

            self._terminal_class = Terminal
        return self._terminal_class

    def _new_terminal(self, mrz_information: str, aa_challenge: bytes | None) -> Any:
        kwargs: dict[str, Any] = {"aa_challenge": aa_challenge}
        if self.max_batch is not None:
            kwargs["max_batch"] = self.max_batch
        return self._terminal_cls()(mrz_information, **kwargs)  # InvalidMrz if malformed

    def _advance(self, state: dict, seq: int, responses: list[bytes], max_apdu: int | None) -> dict:
        """Feed the terminal and collect its next batch (one request's work)."""
        try:
            terminal = self._terminal_cls().from_state(state["terminal"])
            if seq == 0 and max_apdu is not None and hasattr(terminal, "files"):
                # No file is read before BAC/PACE, so the size can still change here.
                files = terminal.files
                files.read_size = min(files.read_size, read_size_for(max_apdu))
            if seq > 0:
                terminal.feed(responses)
            commands = [] if terminal.done or terminal.error else terminal.commands()
            error = terminal.error
            if error is None and not terminal.done and not commands:
                error = RelayError("terminal stalled without commands")
            state["progress"] = float(terminal.progress)
            state["terminal"] = terminal.to_state()
        except NfcError as exc:  # the terminal should record, but never trust a raise
            commands, error = [], exc
        except Exception as exc:  # a bug must end this read cleanly, not leak a 500
            log.exception("relay: terminal failed on seq %s", seq)
            commands, error = [], RelayError(f"internal error: {type(exc).__name__}")
        if len(commands) > MAX_BATCH:
            commands, error = [], RelayError("terminal batch larger than MAX_BATCH")
        if error is not None:
            state["status"], state["error"] = "failed", error.to_dict()
            state["terminal"] = None  # nothing half-read survives a failure
        elif not commands:
            state["status"], state["progress"] = "done", 1.0
        state["seq"], state["sent"] = seq + 1, len(commands)
        return {
            "seq": seq + 1,
            "commands": [c.hex() for c in commands],
            "progress": round(state["progress"], 3),
            "done": state["status"] != "active",
            "error": public_error(error) if error is not None else None,
        }

    def _load(self, token: Any, *, allow_expired: bool = False) -> dict:
        if not isinstance(token, str) or token.count(".") != 1 or len(token) > 200:
            raise SessionNotFound("malformed token")
        session_id, secret = token.split(".")
        raw = self.store.get(KEY_PREFIX + session_id)
        # Hash first, compare in constant time: the answer time says nothing
        # about how much of the secret was right.
        offered = _hash_secret(secret)
        if raw is None:
            hmac.compare_digest(offered, offered)
            raise SessionNotFound("no such session")
        state = json.loads(raw)
        if not hmac.compare_digest(offered, state["secret"]):
            raise SessionNotFound("no such session")
        if self.clock() >= state["expires"] and state["status"] == "active":
            self._end(state, SessionExpired("session expired"))
        if state["status"] == "expired" and not allow_expired:
            raise SessionExpired("session expired")
        return state

    def _end(self, state: dict, error: NfcError) -> None:
        """Close an active session for good: the terminal and its keys are dropped.

        An already ended session keeps its outcome (a finished read stays
        readable by the server even if the helper misbehaves afterwards).
        """
        if state["status"] != "active":
            return
        state["status"] = (
            "expired"
            if isinstance(error, SessionExpired)
            else ("cancelled" if isinstance(error, ReadCancelled) else "failed")
        )
        state["error"] = error.to_dict()
        state["terminal"] = None  # never resume, never read a half-read result
        self._save(state)

    def _save(self, state: dict) -> None:
        remaining = state["expires"] - self.clock()
        self.store.set(
            KEY_PREFIX + state["sid"], json.dumps(state), max(remaining, 0) + RETAIN_AFTER_EXPIRY
        )

    @staticmethod
    def _status(state: dict) -> dict:
        error = state["error"]
        return {
            "status": state["status"],
            "progress": state["progress"],
            "done": state["status"] != "active",
            "error": {"code": error["code"]} if error else None,
        }


_RELAY_ERRORS = {
    cls.code: cls
    for cls in (SessionNotFound, BadPayload, SessionClosed, ReadCancelled, ReadNotFinished)
}


def _rebuild_error(saved: dict) -> NfcError:
    from nfc_bridge.errors import error_from_dict

    cls = _RELAY_ERRORS.get(saved.get("code", ""))
    return cls(saved.get("detail", "")) if cls else error_from_dict(saved)
