"""Chip authentication step of the terminal (ICAO 9303-11 §6.2, DG14 key, ECDH + AES).

After the files are read, a chip whose DG14 offers chip authentication is asked
to agree new session keys with an ephemeral key of ours; one command protected
under those keys proves the chip holds the DG14 private key (a cloned chip
cannot). The result is a check like the others: pass, fail or not_checked.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from . import ca
from .apdu import SW_OK
from .errors import MalformedResponse, SecureMessagingError
from .ops import ChipAuthKey, ChipAuthProof, ChipAuthSetAt
from .sm import unprotect
from .terminal_base import TerminalBase
from .terminal_state import State


class ChipAuthSteps(TerminalBase):
    """CHIP_AUTH."""

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
            [ChipAuthSetAt(info.oid, info.key_id), ChipAuthKey(public), ChipAuthProof("DG1")]
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
        self._finish()
