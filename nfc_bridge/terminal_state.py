"""Saving a :class:`~nfc_bridge.terminal.Terminal` as plain JSON data and back.

A web relay keeps this between requests (in Redis, a database row...), so any
process can carry on the read. Secrets in it (session keys, BAC/PACE
ephemeral values) live only as long as the session: store it like a session.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from .bac import MRZInfo
from .errors import MalformedResponse, error_from_dict
from .reading import FileSet
from .sm import SMKeys

if TYPE_CHECKING:
    from .terminal import Terminal

STATE_VERSION = 1


def dump(t: Terminal) -> dict:
    """The terminal's state as JSON-ready data."""
    return {
        "v": STATE_VERSION,
        "mrz": t.mrz.key_string(),
        "state": t.state.value,
        "aa_challenge": t.aa_challenge.hex() if t.aa_challenge else None,
        "max_batch": t.max_batch,
        "prefer_pace": t.prefer_pace,
        "pace_error": t.pace_error,
        "access": t.access,
        "keys": t.keys.to_dict() if t.keys else None,
        "ssc": f"{t.ssc:x}",
        "ops": t.ops,
        "pending": [c.hex() for c in t.pending],
        "auth": t.auth,
        "files": t.files.to_dict(),
        "rounds": t.rounds,
        "aa_signature": None
        if t.aa_signature is None
        else base64.b64encode(t.aa_signature).decode("ascii"),
        "aa_status": t.aa_status,
        "chip_auth": t.chip_auth,
        "error": t.error.to_dict() if t.error else None,
    }


def load(cls: type[Terminal], d: dict) -> Terminal:
    """Rebuild a terminal from :func:`dump` output; bad data is ``MalformedResponse``."""
    if not isinstance(d, dict) or d.get("v") != STATE_VERSION:
        raise MalformedResponse("unknown terminal state version")
    try:
        return _load(cls, d)
    except (KeyError, ValueError, TypeError) as exc:
        raise MalformedResponse(f"corrupt terminal state: {exc!r}") from None


def _load(cls: type[Terminal], d: dict) -> Terminal:
    from .terminal import State

    t = cls.__new__(cls)
    t.mrz = MRZInfo.parse(d["mrz"])
    t.state = State(d["state"])
    t.aa_challenge = bytes.fromhex(d["aa_challenge"]) if d["aa_challenge"] else None
    t.max_batch, t.prefer_pace, t.access = d["max_batch"], d["prefer_pace"], d["access"]
    t.pace_error = d["pace_error"]
    t.keys = SMKeys.from_dict(d["keys"]) if d["keys"] else None
    t.ssc, t.ops, t.auth = int(d["ssc"], 16), d["ops"], d["auth"]
    t.pending = [bytes.fromhex(c) for c in d["pending"]]
    t.files = FileSet.from_dict(d["files"])
    t.rounds, t.aa_status, t.chip_auth = d["rounds"], d["aa_status"], d["chip_auth"]
    sig = d["aa_signature"]
    t.aa_signature = None if sig is None else base64.b64decode(sig)
    t.error = error_from_dict(d["error"]) if d["error"] else None
    t._result = None
    return t
