"""Access control steps of the terminal: EF.CardAccess, then PACE, or BAC (ICAO 9303-11 §4).

PACE is used when EF.CardAccess offers a supported protocol; if it fails the
terminal falls back to BAC once, as most chips still offer it. Both end with
secure messaging keys and the first batch of file reads.
"""

from __future__ import annotations

import secrets

from . import pace
from .apdu import SW_END_OF_FILE, SW_OK
from .bac import bac_keys, session_from_response
from .crypto import AES, DES3
from .errors import BacFailed, MalformedResponse, PaceFailed, StatusWordError
from .ops import (
    ExternalAuthenticate,
    GeneralAuthenticate,
    GetChallenge,
    Op,
    PaceSetAt,
    ReadCardAccess,
    SecureSelectApplet,
    SelectApplet,
    SelectCardAccess,
    SelectMasterFile,
)
from .sm import SMKeys
from .terminal_base import TerminalBase, _h
from .terminal_state import State


def init_ops(with_card_access: bool) -> list[Op]:
    """The first batch: EF.CardAccess (unless PACE already failed), applet, challenge."""
    head: list[Op] = [SelectCardAccess(), ReadCardAccess()] if with_card_access else []
    return [*head, SelectApplet(), GetChallenge()]


class AccessSteps(TerminalBase):
    """INIT, BAC_AUTH, PACE_MAP and PACE_AGREE."""

    def _fall_back_to_bac(self, exc: PaceFailed) -> None:
        """PACE did not work: try BAC once, as most chips still offer it."""
        if not self.prefer_pace:
            self._fail(exc)
            return
        self._goto(State.INIT)
        self.prefer_pace, self.pace_error = False, exc.detail
        self.keys, self.ssc, self.access, self.auth = None, 0, None, {}
        self._send(init_ops(with_card_access=False))

    # -- INIT: EF.CardAccess, applet, challenge ------------------------------------------

    def _on_init(self, responses: list[bytes]) -> None:
        info, sw_app, rnd_ic = None, None, None
        for op, data, sw in self._answers(responses):
            if isinstance(op, ReadCardAccess) and sw in (SW_OK, SW_END_OF_FILE):
                if self.prefer_pace:
                    try:
                        info = next((i for i in pace.parse_card_access(data) if i.supported), None)
                    except MalformedResponse:
                        info = None  # unreadable EF.CardAccess: BAC still works
            elif isinstance(op, SelectApplet):
                sw_app = sw
            elif isinstance(op, GetChallenge) and sw == SW_OK and len(data) == 8:
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
            self._send([ExternalAuthenticate()])

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
            [
                SelectMasterFile(),
                PaceSetAt(),
                GeneralAuthenticate(None, b"", False),
                GeneralAuthenticate(0x81, pk_map, False),
            ]
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
        self._send([GeneralAuthenticate(0x83, pk_dh, False)])

    def _on_pace_agree(self, responses: list[bytes]) -> None:
        for _, data, sw in self._answers(responses):
            if sw != SW_OK:
                raise PaceFailed(f"key agreement refused ({sw:04X})")
            ks_enc, ks_mac, t_ifd, t_ic = pace.terminal_agreement(self.auth, data)
            self.keys, self.ssc, self.access = SMKeys(AES, ks_enc, ks_mac), 0, "PACE"
            self.auth = {"t_ic": t_ic.hex()}
            self._goto(State.READING)
            # The tokens' check and the first protected reads share one round trip.
            first: list[Op] = [GeneralAuthenticate(0x85, t_ifd, True), SecureSelectApplet()]
            self._send(first + self._plan(2))
