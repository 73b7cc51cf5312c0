"""A software passport chip (card side): BAC, PACE, secure messaging, AA, a file system.

``SimulatedChip.transmit(apdu) -> bytes`` behaves like an ICAO 9303 chip built
from LDS files signed by :mod:`nfc_bridge.sim.pki`. Options model real chips
(short-only or extended length, a maximum read size and how the chip reacts
to a longer read) and faults for tests (stop answering, a bad MAC, a missing
DO'99', odd status words, truncated answers, a replayed AA signature).
The passports it serves are built in :mod:`.passport`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import aa, pace
from ..apdu import Command, do53_overhead, parse_command
from ..bac import MRZInfo, bac_keys
from ..crypto import AES, DES3, KDF_ENC, KDF_MAC, des3_decrypt, des3_encrypt, kdf, pad, retail_mac
from ..errors import ChipRemoved, NfcError, SecureMessagingError
from ..lds_files import APPLET_AID, EF_CARD_ACCESS, FIDS
from ..sm import SMKeys, unwrap_command, wrap_response
from ..tlv import parse_all, parse_one, tlv

PACE_AES128_GM = f"{pace.PACE_PREFIX}.2.2"


@dataclass
class Faults:
    """Misbehaviour to inject; ``*_at`` count protected responses from 1."""

    stop_after: int | None = None  # total APDUs answered before the chip "leaves"
    bad_mac_at: int | None = None
    no_do99_at: int | None = None
    truncate_at: int | None = None  # cut the protected answer in the middle of a TLV
    status_at: dict[int, int] = field(default_factory=dict)  # odd, but MAC-protected, SWs
    aa_signature: bytes | None = None  # answer INTERNAL AUTHENTICATE with these bytes
    broken_pace: bool = False  # PACE always ends with a refused token (BAC still works)


class SimulatedChip:
    """An eMRTD chip in software. ``files`` maps "COM", "SOD", "DG1"... to their bytes."""

    def __init__(
        self,
        files: dict[str, bytes],
        mrz: MRZInfo | str,
        *,
        pace_param: int | None = None,
        pace_oid: str = PACE_AES128_GM,
        bac: bool = True,
        aa_key=None,
        aa_hash: str = "sha256",
        ca_key=None,
        extended_length: bool = True,
        max_read: int = 0xFF00,
        over_read: str = "6700",
        delay: float = 0.0,
        sleep: Callable[[float], None] | None = time.sleep,
        faults: Faults | None = None,
    ) -> None:
        self.files = {FIDS[name]: data for name, data in files.items()}
        self.mrz = MRZInfo.parse(mrz) if isinstance(mrz, str) else mrz
        self.bac_enabled = bac
        self.pace_param, self.pace_oid = pace_param, pace_oid
        if pace_param is not None:
            self.files[EF_CARD_ACCESS] = pace.card_access(pace_oid, pace_param)
        self.aa_key, self.aa_hash = aa_key, aa_hash
        self.ca_key = ca_key  # the private key behind DG14's chip authentication key
        self.extended_length, self.max_read, self.over_read = extended_length, max_read, over_read
        self.delay, self.sleep = delay, sleep
        self.faults = faults or Faults()
        self.apdu_count = 0
        self.protected_count = 0
        self.chip_time = 0.0
        self.reset()

    def reset(self) -> None:
        """Power cycle: no application selected, no session."""
        self.app_selected = False
        self.current: int | None = None
        self.keys: SMKeys | None = None
        self.ssc = 0
        self.rnd_ic: bytes | None = None
        self.pace: dict = {}
        self.ca_oid: str | None = None
        self.next_keys: SMKeys | None = None  # after chip authentication's answer

    # -- transport-facing ---------------------------------------------------------------

    def transmit(self, apdu: bytes) -> bytes:
        """Answer one command APDU (raises ``ChipRemoved`` once the chip has left)."""
        f = self.faults
        if f.stop_after is not None and self.apdu_count >= f.stop_after:
            raise ChipRemoved("simulated chip left the field")
        self.apdu_count += 1
        self.chip_time += self.delay
        if self.delay and self.sleep:
            self.sleep(self.delay)
        try:
            return self._transmit(bytes(apdu))
        except (NfcError, IndexError, KeyError, ValueError):  # garbage in: "no diagnosis"
            self.keys = None
            return b"\x6f\x00"

    def transmit_batch(self, apdus: list[bytes]) -> list[bytes]:
        """Answer a batch; the list is short if the chip leaves the field mid-batch."""
        out = []
        for apdu in apdus:
            try:
                out.append(self.transmit(apdu))
            except ChipRemoved:
                break
        return out

    # -- dispatch -------------------------------------------------------------------------

    def _transmit(self, raw: bytes) -> bytes:
        protected = self.keys is not None and raw[0] & 0x0C == 0x0C
        if self.keys is not None and not protected:
            self.keys = None  # a plain command ends the secure messaging session
        if not protected:
            cmd = parse_command(raw)
            data, sw = self._execute(cmd, extended=_is_extended(raw))
            return data + sw.to_bytes(2, "big")
        keys = self.keys
        assert keys is not None  # a protected command implies a session
        try:
            self.ssc += 1
            cmd = unwrap_command(keys, raw, self.ssc)
        except (SecureMessagingError, NfcError):
            self.keys = None
            return b"\x69\x88"
        data, sw = self._execute(cmd, extended=_is_extended(raw))
        self.ssc += 1
        self.protected_count += 1
        n, f = self.protected_count, self.faults
        sw = f.status_at.get(n, sw)
        if f.status_at.get(n):
            data = b""
        answer = wrap_response(
            keys, data, sw, self.ssc, include_do99=f.no_do99_at != n, ins=cmd.ins
        )
        if f.bad_mac_at == n:
            answer = answer[:-3] + bytes([answer[-3] ^ 0xFF]) + answer[-2:]
        if f.truncate_at == n:
            answer = answer[: max(3, len(answer) // 2)] + answer[-2:]
        if self.next_keys is not None:  # chip authentication: new keys from now on
            self.keys, self.ssc, self.next_keys = self.next_keys, 0, None
        return answer

    def _execute(self, cmd: Command, extended: bool) -> tuple[bytes, int]:
        handler = {
            0xA4: self._select,
            0xB0: self._read,
            0xB1: self._read,
            0x84: self._challenge,
            0x82: self._external_auth,
            0x22: self._mse,
            0x86: self._general_auth,
            0x88: self._internal_auth,
        }.get(cmd.ins)
        if handler is None:
            return b"", 0x6D00
        if (extended or (cmd.le or 0) > 256) and not self.extended_length:
            return b"", 0x6700
        return handler(cmd)

    # -- file system ----------------------------------------------------------------------

    def _select(self, cmd: Command) -> tuple[bytes, int]:
        if cmd.p1 == 0x04:
            self.app_selected = cmd.data == APPLET_AID
            self.current = None
            return b"", 0x9000 if self.app_selected else 0x6A82
        fid = int.from_bytes(cmd.data, "big")
        if cmd.p1 == 0x00 and fid in (0x3F00, 0):  # the master file
            self.app_selected, self.current = False, None
            return b"", 0x9000
        if fid == EF_CARD_ACCESS and EF_CARD_ACCESS in self.files:
            self.current = fid
            return b"", 0x9000
        if not self.app_selected or fid not in self.files or fid == EF_CARD_ACCESS:
            return b"", 0x6A82
        if self.keys is None:
            return b"", 0x6982  # LDS files need secure messaging
        self.current = fid
        return b"", 0x9000

    def _read(self, cmd: Command) -> tuple[bytes, int]:
        if self.current is None:
            return b"", 0x6986
        if self.current != EF_CARD_ACCESS and self.keys is None:
            return b"", 0x6982
        data = self.files[self.current]
        offset = (cmd.p1 << 8) | cmd.p2
        if cmd.ins == 0xB1:  # odd INS: offset in DO'54', answer in DO'53'
            offset = int.from_bytes(parse_one(cmd.data, 0x54).value, "big")
        if cmd.p1 & 0x80 or offset >= len(data):
            return b"", 0x6B00
        le = cmd.le or 256
        if cmd.ins == 0xB1:
            want = next(le - h for h in (4, 3, 2) if do53_overhead(le - h) == h)
            chunk, sw = self._read_at(data, offset, want)
            return (tlv(0x53, chunk), sw) if chunk else (b"", sw)
        return self._read_at(data, offset, le)

    def _read_at(self, data: bytes, offset: int, le: int) -> tuple[bytes, int]:
        if le > self.max_read:
            if self.over_read == "6C" and self.max_read <= 256:
                return b"", 0x6C00 | (self.max_read & 0xFF)
            if self.over_read != "truncate":
                return b"", 0x6700
            le = self.max_read  # a chip with a small buffer just answers less
        chunk = data[offset : offset + le]
        return chunk, 0x6282 if len(chunk) < le else 0x9000

    # -- BAC ------------------------------------------------------------------------------

    def _challenge(self, cmd: Command) -> tuple[bytes, int]:
        self.rnd_ic = secrets.token_bytes(8)
        return self.rnd_ic, 0x9000

    def _external_auth(self, cmd: Command) -> tuple[bytes, int]:
        if not self.bac_enabled or self.rnd_ic is None or len(cmd.data) != 40:
            return b"", 0x6985
        k_enc, k_mac = bac_keys(self.mrz)
        e_ifd, m_ifd = cmd.data[:32], cmd.data[32:]
        rnd_ic, self.rnd_ic = self.rnd_ic, None
        if retail_mac(k_mac, pad(e_ifd)) != m_ifd:
            return b"", 0x6300
        s = des3_decrypt(k_enc, e_ifd)
        rnd_ifd, k_ifd = s[:8], s[16:32]
        if s[8:16] != rnd_ic:
            return b"", 0x6300
        k_ic = secrets.token_bytes(16)
        e_ic = des3_encrypt(k_enc, rnd_ic + rnd_ifd + k_ic)
        seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
        self.keys = SMKeys(DES3, kdf(seed, KDF_ENC), kdf(seed, KDF_MAC))
        self.ssc = int.from_bytes(rnd_ic[-4:] + rnd_ifd[-4:], "big")
        return e_ic + retail_mac(k_mac, pad(e_ic)), 0x9000

    # -- PACE -----------------------------------------------------------------------------

    def _mse(self, cmd: Command) -> tuple[bytes, int]:
        if (cmd.p1, cmd.p2) == (0x41, 0xA4):
            return self._ca_mse(cmd)
        if self.pace_param is None or (cmd.p1, cmd.p2) != (0xC1, 0xA4):
            return b"", 0x6A80
        items = {t.tag: t.value for t in parse_all(cmd.data)}
        if items.get(0x80) != pace.encode_oid(self.pace_oid)[2:] or items.get(0x83) != b"\x01":
            return b"", 0x6A80
        self.pace = {"step": 1}
        return b"", 0x9000

    def _general_auth(self, cmd: Command) -> tuple[bytes, int]:
        if self.ca_oid is not None:
            return self._ca_general_auth(cmd)
        p = self.pace
        if not p:
            return b"", 0x6985
        curve = pace.CURVES[int(self.pace_param or 0)]
        bits = pace.KEY_BITS[self.pace_oid]
        body = {t.tag: t.value for t in parse_one(cmd.data, 0x7C).children()}
        step = p["step"]
        p["step"] += 1
        if step == 1:
            p["nonce"] = secrets.token_bytes(16)
            k_pi = pace.password_key(self.mrz.key_string(), bits)
            return tlv(0x7C, tlv(0x80, pace.encrypt_nonce(k_pi, p["nonce"]))), 0x9000
        if step == 2:
            sk = pace.random_scalar(curve)
            pk_ifd = pace.decode_point(curve, body[0x81])
            p["mapped"] = pace.map_generator(curve, p["nonce"], sk, pk_ifd)
            return tlv(0x7C, tlv(0x82, pace.encode_point(curve, curve.generator * sk))), 0x9000
        if step == 3:
            sk = pace.random_scalar(curve)
            p["pk_ic"] = pace.encode_point(curve, p["mapped"] * sk)
            p["pk_ifd"] = body[0x83]
            secret = pace.shared_secret(curve, sk, pace.decode_point(curve, body[0x83]))
            p["keys"] = pace.session_keys(secret, bits)
            return tlv(0x7C, tlv(0x84, p["pk_ic"])), 0x9000
        if step == 4:
            ks_enc, ks_mac = p["keys"]
            self.pace = {}
            expected = pace.auth_token(ks_mac, self.pace_oid, p["pk_ic"])
            if body.get(0x85) != expected or self.faults.broken_pace:
                return b"", 0x6300
            self.keys, self.ssc = SMKeys(AES, ks_enc, ks_mac), 0
            token = tlv(0x86, pace.auth_token(ks_mac, self.pace_oid, p["pk_ifd"]))
            if self.pace_oid in pace.ECDH_CAM_AES:  # encrypted chip authentication data
                token += tlv(0x8A, secrets.token_bytes(32))
            return tlv(0x7C, token), 0x9000
        return b"", 0x6985

    # -- chip authentication --------------------------------------------------------------

    def _ca_mse(self, cmd: Command) -> tuple[bytes, int]:
        from .. import ca

        items = {t.tag: t.value for t in parse_all(cmd.data)}
        oid = next((o for o in ca.CA_AES if ca.encode_oid(o)[2:] == items.get(0x80)), None)
        if self.ca_key is None or self.keys is None or oid is None:
            return b"", 0x6A80
        self.ca_oid = oid
        return b"", 0x9000

    def _ca_general_auth(self, cmd: Command) -> tuple[bytes, int]:
        from .. import ca

        oid, self.ca_oid = self.ca_oid, None
        point = {t.tag: t.value for t in parse_one(cmd.data, 0x7C).children()}[0x80]
        peer = ca.point_key(self.ca_key.curve, point)
        self.next_keys = SMKeys(AES, *ca.session_keys(self.ca_key, peer, ca.CA_AES[str(oid)]))
        return tlv(0x7C, b""), 0x9000

    # -- active authentication ---------------------------------------------------------------

    def _internal_auth(self, cmd: Command) -> tuple[bytes, int]:
        if self.aa_key is None:
            return b"", 0x6D00
        if self.keys is None:
            return b"", 0x6982
        if self.faults.aa_signature is not None:
            return self.faults.aa_signature, 0x9000
        return aa.sign(self.aa_key, cmd.data, self.aa_hash), 0x9000


def _is_extended(raw: bytes) -> bool:
    return len(raw) >= 7 and raw[4] == 0


# --- ready-made passports -------------------------------------------------------------------
