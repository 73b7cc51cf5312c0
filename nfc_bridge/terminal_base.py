"""The terminal's plumbing shared by its steps: transitions, encoding, checking answers.

:class:`TerminalBase` sends a list of operations (:mod:`.ops`) as one batch;
protected ones take consecutive secure messaging counter values, which is what
lets a relay pipeline a whole batch. The steps live in :mod:`.terminal_access`
(BAC, PACE), :mod:`.terminal_chip_auth` and :mod:`.terminal` (reading files).
"""

from __future__ import annotations

from collections.abc import Iterator

from .apdu import Command, split_response
from .commands import build_command
from .crypto import AES
from .errors import MalformedResponse, NfcError
from .ops import ActiveAuthenticate, ChipAuthProof, Op
from .reading import SHORT_READ
from .sm import SMKeys, protect, unprotect
from .terminal_state import TRANSITIONS, State, TerminalState


class TerminalBase(TerminalState):
    """State plus the mechanics every step uses."""

    def _goto(self, new: State) -> None:
        if new not in TRANSITIONS[self.state]:
            raise MalformedResponse(f"illegal transition {self.state.value} -> {new.value}")
        self.state = new

    def _fail(self, exc: NfcError) -> None:
        self.error = exc
        self.state = State.FAILED
        self.ops, self.pending = [], []

    def _finish(self) -> None:
        self._goto(State.DONE)
        self.ops, self.pending = [], []

    def _send(self, ops: list[Op]) -> None:
        """Encode ``ops``; protected ones take consecutive SSC values (pipelining)."""
        self.ops, self.pending = ops, []
        ssc = self.ssc
        for op in ops:
            cmd = self._command(op)
            if op.protected:
                ssc += 1
                self.pending.append(protect(self._keys(), cmd, ssc))
                ssc += 1
            elif isinstance(op, ChipAuthProof):  # under the keys chip authentication sets up
                self.pending.append(protect(self._ca_keys(), cmd, 1))
            else:
                self.pending.append(cmd.encode())

    def _ca_keys(self) -> SMKeys:
        return SMKeys(AES, _h(self.auth["ca_enc"]), _h(self.auth["ca_mac"]))

    def _keys(self) -> SMKeys:
        if self.keys is None:
            raise MalformedResponse("no secure messaging session")
        return self.keys

    def _answers(self, responses: list[bytes]) -> Iterator[tuple[Op, bytes, int]]:
        """Yield ``(op, data, sw)`` per response, checking secure messaging in order."""
        for op, rapdu in zip(self.ops, responses, strict=False):
            if op.protected:
                self.ssc += 2  # counted even if the check fails: the session is dead anyway
                data, sw, _ = unprotect(self._keys(), rapdu, self.ssc)
            else:
                data, sw = split_response(rapdu)
            yield op, data, sw

    def _command(self, op: Op) -> Command:
        return build_command(
            op,
            mrz=self.mrz,
            auth=self.auth,
            aa_challenge=self.aa_challenge,
            extended=self.files.read_size > SHORT_READ,
        )

    def _plan(self, used: int = 0) -> list[Op]:
        """The next reads (and the active authentication once DG15 is known)."""
        ops = self.files.plan(self.max_batch - used)
        room = self.max_batch - used - len(ops)
        if (
            self.aa_challenge
            and self.aa_signature is None
            and self.aa_status is None
            and "DG15" in self.files.wanted
            and room > 0
        ):
            ops.append(ActiveAuthenticate())
        return ops


def _h(s: str) -> bytes:
    return bytes.fromhex(s)
