"""Sans-IO eMRTD terminal: it writes command APDUs and reads response APDUs, no I/O.

Use it like h11: ask ``commands()`` for the next batch, send it by any means
(a desk reader, a phone relay, the simulator), hand the answers to ``feed()``
in the same order, repeat until ``done``. Because the secure messaging counter
(SSC) is predictable, a whole batch of protected READ BINARY commands is
wrapped in advance and the answers are checked in order, so a relayed read
costs a handful of network round trips instead of one per APDU.

Every state and the states it may move to are in ``TRANSITIONS``; the handler
of each state is ``_on_<state>``. ``to_state()``/``from_state()`` let a web
relay resume the read in another request or process.
"""

from __future__ import annotations

import secrets
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric import ec

from . import ca, pace, terminal_state
from .apdu import (
    SW_END_OF_FILE,
    SW_FILE_NOT_FOUND,
    SW_OK,
    Command,
    split_response,
    unwrap_do53,
)
from .bac import MRZInfo, bac_keys, session_from_response
from .commands import build_command
from .crypto import AES, DES3
from .errors import (
    BacFailed,
    ChipRemoved,
    MalformedResponse,
    NfcError,
    PaceFailed,
    SecureMessagingError,
    StatusWordError,
)
from .lds_files import (
    EXTRA,
    MANDATORY,
    OPTIONAL,
    com_data_groups,
    dg_number,
)
from .reading import EXTENDED_READ, SHORT_READ, FileSet
from .sm import SMKeys, protect, unprotect
from .tlv import parse_one, require


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

DEFAULT_MAX_BATCH = 64


class Terminal:
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
        self.mrz = MRZInfo.parse(mrz) if isinstance(mrz, str) else mrz
        if aa_challenge is not None and len(aa_challenge) != 8:
            raise ValueError("the active authentication challenge must be 8 bytes")
        self.aa_challenge = aa_challenge
        self.max_batch = max(4, max_batch)
        self.prefer_pace = prefer_pace
        self.pace_error: str | None = None  # why PACE failed before falling back to BAC
        self.state = State.INIT
        self.error: NfcError | None = None
        self.access: str | None = None  # "BAC" or "PACE"
        self.keys: SMKeys | None = None
        self.ssc = 0
        self.ops: list[list] = []  # what each pending command is, in order
        self.pending: list[bytes] = []
        self.auth: dict = {}  # BAC/PACE secrets between steps
        self.files = FileSet(max(8, min(max_read, EXTENDED_READ)))
        self.aa_signature: bytes | None = None
        self.aa_status: int | None = None
        self.chip_auth = {"status": "not_checked", "reason": "chip has no DG14"}
        self.rounds = 0
        self._result = None
        self._send(self._init_ops(with_card_access=True))

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
    def result(self):
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

    # -- state machine plumbing -----------------------------------------------------------

    def _goto(self, new: State) -> None:
        if new not in TRANSITIONS[self.state]:
            raise MalformedResponse(f"illegal transition {self.state.value} -> {new.value}")
        self.state = new

    def _fall_back_to_bac(self, exc: PaceFailed) -> None:
        """PACE did not work: try BAC once, as most chips still offer it."""
        if not self.prefer_pace:
            self._fail(exc)
            return
        self._goto(State.INIT)
        self.prefer_pace, self.pace_error = False, exc.detail
        self.keys, self.ssc, self.access, self.auth = None, 0, None, {}
        self._send(self._init_ops(with_card_access=False))

    def _fail(self, exc: NfcError) -> None:
        self.error = exc
        self.state = State.FAILED
        self.ops, self.pending = [], []

    def _send(self, ops: list[list]) -> None:
        """Encode ``ops``; protected ones take consecutive SSC values (pipelining)."""
        self.ops, self.pending = ops, []
        ssc = self.ssc
        for op in ops:
            cmd = self._command(op)
            if op[0].startswith("sm_"):
                ssc += 1
                self.pending.append(protect(self._keys(), cmd, ssc))
                ssc += 1
            elif op[0] == "ca_proof":  # under the keys chip authentication is to set up
                self.pending.append(protect(self._ca_keys(), cmd, 1))
            else:
                self.pending.append(cmd.encode())

    def _ca_keys(self) -> SMKeys:
        return SMKeys(AES, _h(self.auth["ca_enc"]), _h(self.auth["ca_mac"]))

    def _keys(self) -> SMKeys:
        if self.keys is None:
            raise MalformedResponse("no secure messaging session")
        return self.keys

    def _answers(self, responses: list[bytes]):
        """Yield ``(op, data, sw)`` per response, checking secure messaging in order."""
        for op, rapdu in zip(self.ops, responses, strict=False):
            if op[0].startswith("sm_"):
                self.ssc += 2  # counted even if the check fails: the session is dead anyway
                data, sw, _ = unprotect(self._keys(), rapdu, self.ssc)
            else:
                data, sw = split_response(rapdu)
            yield op, data, sw

    def _command(self, op: list) -> Command:
        return build_command(
            op,
            mrz=self.mrz,
            auth=self.auth,
            aa_challenge=self.aa_challenge,
            extended=self.files.read_size > SHORT_READ,
        )

    def _init_ops(self, with_card_access: bool) -> list[list]:
        head = [["sel_ca"], ["read_ca"]] if with_card_access else []
        return head + [["sel_app"], ["challenge"]]

    # -- INIT: EF.CardAccess, applet, challenge ------------------------------------------

    def _on_init(self, responses: list[bytes]) -> None:
        info, sw_app, rnd_ic = None, None, None
        for op, data, sw in self._answers(responses):
            if op[0] == "read_ca" and sw in (SW_OK, SW_END_OF_FILE) and self.prefer_pace:
                try:
                    info = next((i for i in pace.parse_card_access(data) if i.supported), None)
                except MalformedResponse:
                    info = None  # unreadable EF.CardAccess: BAC still works
            elif op[0] == "sel_app":
                sw_app = sw
            elif op[0] == "challenge" and sw == SW_OK and len(data) == 8:
                rnd_ic = data
        if len(responses) < len(self.ops):
            return
        if sw_app != SW_OK:
            raise StatusWordError(f"no eMRTD application ({sw_app:04X})", sw_app)
        if info is not None:
            self._start_pace(info)
        elif rnd_ic is None:
            raise BacFailed("chip gave no challenge")
        else:
            self.auth = {
                "rnd_ic": rnd_ic.hex(),
                "rnd_ifd": secrets.token_bytes(8).hex(),
                "k_ifd": secrets.token_bytes(16).hex(),
            }
            self._goto(State.BAC_AUTH)
            self._send([["ext_auth"]])

    def _on_bac_auth(self, responses: list[bytes]) -> None:
        for _, data, sw in self._answers(responses):
            if sw != SW_OK:
                after = f" after PACE failed: {self.pace_error}" if self.pace_error else ""
                raise BacFailed(f"chip refused our MRZ key ({sw:04X}){after}")
            a = self.auth
            k_enc, k_mac = bac_keys(self.mrz)
            ks_enc, ks_mac, ssc = session_from_response(
                k_enc, k_mac, _h(a["rnd_ic"]), _h(a["rnd_ifd"]), _h(a["k_ifd"]), data
            )
            self.keys, self.ssc, self.access, self.auth = (
                SMKeys(DES3, ks_enc, ks_mac),
                int.from_bytes(ssc, "big"),
                "BAC",
                {},
            )
            self._goto(State.READING)
            self._send(self._plan())

    # -- PACE ------------------------------------------------------------------------------

    def _start_pace(self, info: pace.PaceInfo) -> None:
        curve = pace.CURVES[int(info.parameter_id or 0)]
        sk_map = pace.random_scalar(curve)
        pk_map = pace.encode_point(curve, curve.generator * sk_map)
        self.auth = {
            "oid": info.oid,
            "param": info.parameter_id,
            "bits": info.key_bits,
            "sk_map": f"{sk_map:x}",
        }
        self._goto(State.PACE_MAP)
        # PACE runs in the master file's context (the applet was selected for BAC):
        # go back to the MF first; its status does not matter.
        self._send(
            [["sel_mf"], ["mse"], ["ga", None, "", False], ["ga", 0x81, pk_map.hex(), False]]
        )

    def _on_pace_map(self, responses: list[bytes]) -> None:
        answers = list(self._answers(responses))
        if len(answers) < 4:
            return
        _, (_, _, sw_mse), (_, ga1, sw1), (_, ga2, sw2) = answers
        if sw_mse != SW_OK:  # the chip does not take this PACE setup
            raise PaceFailed(f"MSE:Set AT refused ({sw_mse:04X})")
        if sw1 != SW_OK or sw2 != SW_OK:
            raise PaceFailed(f"general authenticate refused ({sw1:04X}/{sw2:04X})")
        a = self.auth
        sk_dh, pk_dh = pace.terminal_mapping(self.mrz.key_string(), a, ga1, ga2)
        self.auth = {k: v for k, v in a.items() if k != "sk_map"}
        self.auth.update(sk_dh=f"{sk_dh:x}", pk_dh=pk_dh.hex())
        self._goto(State.PACE_AGREE)
        self._send([["ga", 0x83, pk_dh.hex(), False]])

    def _on_pace_agree(self, responses: list[bytes]) -> None:
        for _, data, sw in self._answers(responses):
            if sw != SW_OK:
                raise PaceFailed(f"key agreement refused ({sw:04X})")
            ks_enc, ks_mac, t_ifd, t_ic = pace.terminal_agreement(self.auth, data)
            self.keys, self.ssc, self.access = SMKeys(AES, ks_enc, ks_mac), 0, "PACE"
            self.auth = {"t_ic": t_ic.hex()}
            self._goto(State.READING)
            # The tokens' check and the first protected reads share one round trip.
            first: list[list] = [["ga", 0x85, t_ifd.hex(), True], ["sm_sel_app"]]
            self._send(first + self._plan(2))

    # -- READING -----------------------------------------------------------------------------

    def _plan(self, used: int = 0) -> list[list]:
        ops = self.files.plan(self.max_batch - used)
        room = self.max_batch - used - len(ops)
        if (
            self.aa_challenge
            and self.aa_signature is None
            and self.aa_status is None
            and "DG15" in self.files.wanted
            and room > 0
        ):
            ops.append(["sm_aa"])
        return ops

    def _on_reading(self, responses: list[bytes]) -> None:
        for op, data, sw in self._answers(responses):
            kind = op[0]
            if kind == "ga":
                token = (
                    require(parse_one(data, 0x7C).children(), 0x86).value if sw == SW_OK else b""
                )
                if token != _h(self.auth.get("t_ic", "")):
                    raise PaceFailed(f"chip authentication token is wrong ({sw:04X})")
            elif kind == "sm_sel_app" and sw != SW_OK:
                raise StatusWordError(f"cannot select the eMRTD application ({sw:04X})", sw)
            elif kind == "sm_sel":
                if sw == SW_FILE_NOT_FOUND and op[1] in OPTIONAL:
                    self.files.mark_absent(op[1])
                elif sw != SW_OK:
                    raise StatusWordError(f"cannot select {op[1]} ({sw:04X})", sw)
            elif kind == "sm_read":
                if op[1] in self.files.absent:
                    continue  # its SELECT failed: these reads answer "no current file"
                if op[2] > 0x7FFF and data:
                    data = unwrap_do53(data)
                self.files.answer(op[1], op[2], op[3], data, sw)
            elif kind == "sm_aa":
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
                self._goto(State.DONE)
                self.ops, self.pending = [], []
            return
        self.files.check_progress()
        self._send(ops)

    # -- CHIP_AUTH -----------------------------------------------------------------------

    def _start_chip_auth(self) -> bool:
        """Begin chip authentication when DG14 offers it; False when there is none."""
        dg14 = self.files.contents().get("DG14")
        if dg14 is None:
            return False
        try:
            info = ca.parse_dg14(dg14)
        except MalformedResponse as exc:
            self.chip_auth = {"status": "not_checked", "reason": f"unreadable DG14: {exc.detail}"}
            return False
        if info is None:
            self.chip_auth = {
                "status": "not_checked",
                "reason": "DG14 offers no supported chip authentication",
            }
            return False
        ephemeral = ec.generate_private_key(info.public_key.curve)
        ks_enc, ks_mac = ca.session_keys(ephemeral, info.public_key, info.key_bits)
        self.auth = {"ca_enc": ks_enc.hex(), "ca_mac": ks_mac.hex()}
        public = ca.encode_public(ephemeral.public_key())
        self._goto(State.CHIP_AUTH)
        self._send(
            [["sm_ca_mse", info.oid, info.key_id], ["sm_ca_ga", public.hex()], ["ca_proof", "DG1"]]
        )
        return True

    def _on_chip_auth(self, responses: list[bytes]) -> None:
        if len(responses) < len(self.ops):
            return  # feed() reports the chip as removed
        refused = [sw for _, _, sw in self._answers(responses[:2]) if sw != SW_OK]
        try:
            _, sw, authentic = unprotect(self._ca_keys(), responses[2], 2)
            proven = authentic and sw == SW_OK
        except (SecureMessagingError, MalformedResponse):
            proven = False
        if refused:
            self.chip_auth = {
                "status": "fail",
                "reason": f"chip refused chip authentication ({refused[0]:04X})",
            }
        elif proven:
            self.chip_auth = {
                "status": "pass",
                "reason": "chip answered under keys only the DG14 key holder has",
            }
        else:
            self.chip_auth = {
                "status": "fail",
                "reason": "chip could not use the keys of its DG14 key (a copy, or the wrong chip)",
            }
        self.keys, self.ssc, self.auth = None, 0, {}  # the session is over either way
        self._goto(State.DONE)
        self.ops, self.pending = [], []

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

    # -- persistence ----------------------------------------------------------------------

    def to_state(self) -> dict:
        """A JSON-serialisable snapshot (file contents are base64)."""
        return terminal_state.dump(self)

    @classmethod
    def from_state(cls, d: dict) -> Terminal:
        """Rebuild a terminal saved with :meth:`to_state`."""
        return terminal_state.load(cls, d)


def _h(s: str) -> bytes:
    return bytes.fromhex(s)


__all__ = ["Terminal", "State", "TRANSITIONS"]
