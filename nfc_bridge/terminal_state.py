"""The terminal's state: the states of a read, and a dataclass that saves itself as JSON.

A web relay keeps the saved form between requests (in Redis, a database row...),
so any process can carry on the read. Each field says how it is saved (its
codec); :meth:`TerminalState.to_state` and :meth:`~TerminalState.from_state` walk
the dataclass fields, so a new field cannot be forgotten. Secrets in it (session
keys, BAC/PACE ephemeral values) live only as long as the session: store it like
a session.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple, Self

from .bac import MRZInfo
from .errors import MalformedResponse, NfcError, error_from_dict
from .ops import Op, op_from_json
from .reading import EXTENDED_READ, FileSet
from .sm import SMKeys

STATE_VERSION = 1
DEFAULT_MAX_BATCH = 64


class State(StrEnum):
    """States of a read; see ``TRANSITIONS``."""

    INIT = "init"  # waiting for EF.CardAccess, SELECT applet, GET CHALLENGE
    BAC_AUTH = "bac_auth"  # waiting for EXTERNAL AUTHENTICATE
    PACE_MAP = "pace_map"  # waiting for MSE:Set AT, nonce, mapping keys
    PACE_AGREE = "pace_agree"  # waiting for the chip's ephemeral key
    READING = "reading"  # secure messaging: files, then active authentication
    CHIP_AUTH = "chip_auth"  # DG14 chip authentication: new keys, one proof command
    DONE = "done"
    FAILED = "failed"


TRANSITIONS: dict[State, set[State]] = {
    State.INIT: {State.BAC_AUTH, State.PACE_MAP, State.FAILED},
    State.BAC_AUTH: {State.READING, State.FAILED},
    # Back to INIT = fall back to BAC when PACE fails (the token check is in READING).
    State.PACE_MAP: {State.PACE_AGREE, State.INIT, State.FAILED},
    State.PACE_AGREE: {State.READING, State.INIT, State.FAILED},
    State.READING: {State.READING, State.INIT, State.CHIP_AUTH, State.DONE, State.FAILED},
    State.CHIP_AUTH: {State.DONE, State.FAILED},
    State.DONE: set(),
    State.FAILED: set(),
}


class Codec(NamedTuple):
    """How one field becomes JSON data and back."""

    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _optional(codec: Codec) -> Codec:
    return Codec(
        lambda v: None if v is None else codec.dump(v),
        lambda d: None if d is None else codec.load(d),
    )


PLAIN = Codec(_same, _same)  # already JSON data (numbers, strings, dicts of them)
HEX = Codec(bytes.hex, bytes.fromhex)
B64 = Codec(lambda b: base64.b64encode(b).decode("ascii"), base64.b64decode)
HEX_INT = Codec(lambda n: f"{n:x}", lambda s: int(s, 16))
MRZ = Codec(MRZInfo.key_string, MRZInfo.parse)
STATE = Codec(lambda s: s.value, State)
KEYS = _optional(Codec(SMKeys.to_dict, SMKeys.from_dict))
FILES = Codec(FileSet.to_dict, FileSet.from_dict)
ERROR = _optional(Codec(NfcError.to_dict, error_from_dict))
OPS = Codec(lambda ops: [op.to_json() for op in ops], lambda d: [op_from_json(o) for o in d])
PENDING = Codec(lambda cs: [c.hex() for c in cs], lambda d: [bytes.fromhex(c) for c in d])


def saved(codec: Codec = PLAIN, **options: Any) -> Any:
    """A dataclass field saved with ``codec``."""
    return field(metadata={"codec": codec}, **options)


def _no_chip_auth() -> dict:
    return {"status": "not_checked", "reason": "chip has no DG14"}


@dataclass(eq=False)
class TerminalState:
    """Everything a read carries between two batches."""

    mrz: MRZInfo = saved(MRZ)
    state: State = saved(STATE, default=State.INIT)
    aa_challenge: bytes | None = saved(_optional(HEX), default=None)
    max_batch: int = saved(default=DEFAULT_MAX_BATCH)
    prefer_pace: bool = saved(default=True)
    pace_error: str | None = saved(default=None)  # why PACE failed before falling back to BAC
    access: str | None = saved(default=None)  # "BAC" or "PACE"
    keys: SMKeys | None = saved(KEYS, default=None)
    ssc: int = saved(HEX_INT, default=0)
    ops: list[Op] = saved(OPS, default_factory=list)  # what each pending command is, in order
    pending: list[bytes] = saved(PENDING, default_factory=list)
    auth: dict = saved(default_factory=dict)  # BAC/PACE/CA secrets between steps (hex)
    files: FileSet = saved(FILES, default_factory=lambda: FileSet(EXTENDED_READ))
    rounds: int = saved(default=0)
    aa_signature: bytes | None = saved(_optional(B64), default=None)
    aa_status: int | None = saved(default=None)
    chip_auth: dict = saved(default_factory=_no_chip_auth)
    error: NfcError | None = saved(ERROR, default=None)

    def to_state(self) -> dict:
        """A JSON-serialisable snapshot (file contents are base64)."""
        out: dict[str, Any] = {"v": STATE_VERSION}
        for f in dataclasses.fields(TerminalState):
            out[f.name] = f.metadata["codec"].dump(getattr(self, f.name))
        return out

    @classmethod
    def from_state(cls, d: dict) -> Self:
        """Rebuild a terminal saved with :meth:`to_state`; bad data is ``MalformedResponse``."""
        if not isinstance(d, dict) or d.get("v") != STATE_VERSION:
            raise MalformedResponse("unknown terminal state version")
        t = cls.__new__(cls)
        try:
            for f in dataclasses.fields(TerminalState):
                setattr(t, f.name, f.metadata["codec"].load(d[f.name]))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise MalformedResponse(f"corrupt terminal state: {exc!r}") from None
        t._restored()
        return t

    def _restored(self) -> None:
        """Hook for what is not saved (caches), run after :meth:`from_state`."""
