"""Sans-IO eMRTD terminal: it writes command APDUs and reads response APDUs, no I/O.

Use it like h11: ask ``commands()`` for the next batch, send it by any means
(a desk reader, a phone relay, the simulator), hand the answers to ``feed()``
in the same order, repeat until ``done``. Because the secure messaging counter
(SSC) is predictable, a whole batch of protected READ BINARY commands is
wrapped in advance and the answers are checked in order, so a relayed read
costs a handful of network round trips instead of one per APDU.

Every state and the states it may move to are in ``TRANSITIONS``; the handler
of each state is ``_on_<state>``: access control (BAC, PACE) in
:mod:`.terminal_access`, chip authentication in :mod:`.terminal_chip_auth`, the
file reads here. Each command is planned as an operation (:mod:`.ops`); the
state is a dataclass (:mod:`.terminal_state`) whose ``to_state()`` /
``from_state()`` let a web relay resume the read in another request or process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .apdu import SW_FILE_NOT_FOUND, SW_OK, unwrap_do53
from .bac import MRZInfo
from .errors import ChipRemoved, MalformedResponse, NfcError, PaceFailed, StatusWordError
from .lds_files import EXTRA, MANDATORY, OPTIONAL, com_data_groups, dg_number
from .ops import (
    ActiveAuthenticate,
    GeneralAuthenticate,
    SecureRead,
    SecureSelect,
    SecureSelectApplet,
)
from .reading import EXTENDED_READ, FileSet
from .terminal_access import AccessSteps, init_ops
from .terminal_chip_auth import ChipAuthSteps
from .terminal_state import DEFAULT_MAX_BATCH, TRANSITIONS, State
from .tlv import parse_one, require

if TYPE_CHECKING:
    from .result import ReadResult


class Terminal(AccessSteps, ChipAuthSteps):
    """Reads an eMRTD: PACE when EF.CardAccess offers it, else BAC, then the LDS files.

    ``aa_challenge`` (8 bytes chosen by the server) enables active authentication
    when the chip has DG15. ``max_batch`` caps the commands in one batch;
    ``max_read`` caps READ BINARY (e.g. 0xDF when a phone cannot send extended
    length APDUs); ``prefer_pace=False`` forces BAC.
    """

    def __init__(
        self,
        mrz: MRZInfo | str,
        *,
        aa_challenge: bytes | None = None,
        max_batch: int = DEFAULT_MAX_BATCH,
        prefer_pace: bool = True,
        max_read: int = EXTENDED_READ,
    ) -> None:
        if aa_challenge is not None and len(aa_challenge) != 8:
            raise ValueError("the active authentication challenge must be 8 bytes")
        super().__init__(
            mrz=MRZInfo.parse(mrz) if isinstance(mrz, str) else mrz,
            aa_challenge=aa_challenge,
            max_batch=max(4, max_batch),
            prefer_pace=prefer_pace,
            files=FileSet(max(8, min(max_read, EXTENDED_READ))),
        )
        self._restored()
        self._send(init_ops(with_card_access=True))

    def _restored(self) -> None:
        self._result: ReadResult | None = None

    # -- public API --------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """True once the read finished or failed."""
        return self.state in (State.DONE, State.FAILED)

    def commands(self) -> list[bytes]:
        """The next batch of command APDUs (empty when finished or failed)."""
        return [] if self.done else list(self.pending)

    def feed(self, responses: list[bytes]) -> None:
        """Consume the response APDUs of the last batch, in order.

        Never raises protocol errors: they end the read and land in ``error``.
        """
        if self.done:
            return
        self.rounds += 1
        try:
            if not isinstance(responses, list | tuple) or not all(
                isinstance(r, bytes | bytearray | memoryview) for r in responses
            ):
                raise MalformedResponse("responses must be a list of byte strings")
            responses = [bytes(r) for r in responses]
            if len(responses) > len(self.pending):
                raise MalformedResponse("more responses than commands")
            expected = len(self.pending)
            handler = getattr(self, f"_on_{self.state.value}")
            handler(responses)
            if len(responses) < expected and not self.done:
                raise ChipRemoved(f"chip answered {len(responses)} of {expected} commands")
        except PaceFailed as exc:
            if self.access is None or (self.access == "PACE" and not self.files.chunks):
                self._fall_back_to_bac(exc)
            else:
                self._fail(exc)
        except NfcError as exc:
            self._fail(exc)
        except Exception as exc:  # a bug or garbage we did not foresee: still a named error
            self._fail(MalformedResponse(f"{type(exc).__name__}: {exc}"))

    @property
    def progress(self) -> float:
        """Rough share of the read done, from 0 to 1, for a progress display."""
        if self.state == State.DONE:
            return 1.0
        before = {
            State.INIT: 0.0,
            State.BAC_AUTH: 0.05,
            State.PACE_MAP: 0.03,
            State.PACE_AGREE: 0.06,
        }
        if self.state in before:
            return before[self.state]
        return round(0.1 + 0.88 * self.files.fraction(), 3)

    @property
    def result(self) -> ReadResult | None:
        """The :class:`~nfc_bridge.result.ReadResult` once ``done`` without error."""
        if self.state != State.DONE:
            return None
        if self._result is None:
            from .result import build_result

            self._result = build_result(
                self.files.contents(),
                self.access,
                self.aa_challenge,
                self.aa_signature,
                self.aa_status,
                chip_auth=self.chip_auth,
            )
        return self._result

    # -- READING -----------------------------------------------------------------------------

    def _on_reading(self, responses: list[bytes]) -> None:
        for op, data, sw in self._answers(responses):
            match op:
                case GeneralAuthenticate():
                    token = (
                        require(parse_one(data, 0x7C).children(), 0x86).value
                        if sw == SW_OK
                        else b""
                    )
                    if token != bytes.fromhex(self.auth.get("t_ic", "")):
                        raise PaceFailed(f"chip authentication token is wrong ({sw:04X})")
                case SecureSelectApplet() if sw != SW_OK:
                    raise StatusWordError(f"cannot select the eMRTD application ({sw:04X})", sw)
                case SecureSelect(name=name):
                    if sw == SW_FILE_NOT_FOUND and name in OPTIONAL:
                        self.files.mark_absent(name)
                    elif sw != SW_OK:
                        raise StatusWordError(f"cannot select {name} ({sw:04X})", sw)
                case SecureRead(name=name, offset=offset, length=length):
                    if name in self.files.absent:
                        continue  # its SELECT failed: these reads answer "no current file"
                    if offset > 0x7FFF and data:
                        data = unwrap_do53(data)
                    self.files.answer(name, offset, length, data, sw)
                case ActiveAuthenticate():
                    self.aa_status = sw
                    self.aa_signature = data if sw == SW_OK else b""
        if len(responses) < len(self.ops):
            return
        self._learn_data_groups()
        ops = self._plan()
        if not ops:
            missing = [n for n in MANDATORY if not self.files.complete(n)]
            if missing:
                raise MalformedResponse(f"could not read {', '.join(missing)}")
            if not self._start_chip_auth():
                self._finish()
            return
        self.files.check_progress()
        self._send(ops)

    def _learn_data_groups(self) -> None:
        """Add DG14/DG15 to the reads once EF.COM (or, lacking it, EF.SOD) lists them."""
        if self.files.listed:
            return
        if self.files.complete("COM"):
            names = com_data_groups(self.files.contents()["COM"])
        elif "COM" in self.files.absent and self.files.complete("SOD"):
            from .sod import parse_sod

            numbers = parse_sod(self.files.contents()["SOD"]).dg_hashes
            names = [n for n in EXTRA if dg_number(n) in numbers]
        else:
            return
        self.files.want(*[n for n in names if n in EXTRA])


__all__ = ["Terminal", "State", "TRANSITIONS"]
