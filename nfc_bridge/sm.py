"""Secure messaging (ICAO 9303-11 §9.8): DO'87'/'97'/'99'/'8E', SSC handling.

Functions take the send sequence counter explicitly instead of mutating it, so
the terminal can protect a whole batch of commands in advance (the SSC only
grows by one per command and one per response) and check the answers later.
Both sides live here: the terminal (``protect``/``unprotect``) and the card
(``unwrap_command``/``wrap_response``) used by the simulator.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from . import crypto
from .apdu import SW_SM_INCORRECT, SW_SM_MISSING, Command, parse_command, split_response
from .errors import MalformedResponse, SecureMessagingError
from .tlv import find, parse_all, tlv


@dataclass(frozen=True)
class SMKeys:
    """Session keys and cipher (``crypto.DES3`` after BAC, ``crypto.AES`` after PACE-AES)."""

    cipher: str
    ks_enc: bytes
    ks_mac: bytes

    @property
    def block(self) -> int:
        """Block size of the session cipher."""
        return crypto.block_size(self.cipher)

    def ssc_bytes(self, ssc: int) -> bytes:
        """The SSC as a block-sized big-endian counter (wraps around)."""
        return (ssc % (1 << (8 * self.block))).to_bytes(self.block, "big")

    def _iv(self, ssc: int) -> bytes:
        if self.cipher == crypto.DES3:
            return bytes(8)
        # AES: IV = E(KS_enc, SSC) (9303-11 §9.8.6.1)
        return crypto.aes_encrypt(self.ks_enc, self.ssc_bytes(ssc))

    def mac(self, ssc: int, data: bytes) -> bytes:
        """MAC of SSC || data, padded."""
        return crypto.mac(
            self.cipher, self.ks_mac, crypto.pad(self.ssc_bytes(ssc) + data, self.block)
        )

    def encrypt(self, ssc: int, data: bytes) -> bytes:
        """Pad and encrypt ``data`` for a DO'87'/'85'."""
        return crypto.encrypt(self.cipher, self.ks_enc, crypto.pad(data, self.block), self._iv(ssc))

    def decrypt(self, ssc: int, data: bytes) -> bytes:
        """Decrypt and unpad the content of a DO'87'/'85'."""
        if not data or len(data) % self.block:
            raise SecureMessagingError("encrypted data is not a whole number of blocks")
        return crypto.unpad(crypto.decrypt(self.cipher, self.ks_enc, data, self._iv(ssc)))

    def to_dict(self) -> dict:
        """Hex form for a saved terminal state."""
        return {"cipher": self.cipher, "enc": self.ks_enc.hex(), "mac": self.ks_mac.hex()}

    @classmethod
    def from_dict(cls, d: dict) -> SMKeys:
        """Inverse of :meth:`to_dict`."""
        return cls(d["cipher"], bytes.fromhex(d["enc"]), bytes.fromhex(d["mac"]))


def _do97(le: int) -> bytes:
    return tlv(0x97, bytes([le % 256]) if le <= 256 else (le % 65536).to_bytes(2, "big"))


def _data_object(keys: SMKeys, ssc: int, ins: int, data: bytes) -> bytes:
    """DO'87' (even INS: padding indicator 01 first) or DO'85' (odd INS) around the data."""
    if not data:
        return b""
    if ins & 1:
        return tlv(0x85, keys.encrypt(ssc, data))
    return tlv(0x87, b"\x01" + keys.encrypt(ssc, data))


def _open_data_object(keys: SMKeys, ssc: int, item) -> bytes:
    if item.tag == 0x85:
        return keys.decrypt(ssc, item.value)
    if not item.value.startswith(b"\x01"):
        raise SecureMessagingError("DO'87' without padding indicator 01")
    return keys.decrypt(ssc, item.value[1:])


def protect(keys: SMKeys, cmd: Command, ssc: int) -> bytes:
    """Wrap a plain command; ``ssc`` is the value *after* incrementing for this command."""
    header = bytes([cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2])
    do87 = _data_object(keys, ssc, cmd.ins, cmd.data)
    do97 = _do97(cmd.le) if cmd.le is not None else b""
    cc = keys.mac(ssc, crypto.pad(header, keys.block) + do87 + do97)
    body = do87 + do97 + tlv(0x8E, cc)
    extended = len(body) > 255 or (cmd.le is not None and cmd.le > 256)
    le = 65536 if extended else 256
    return Command(header[0], cmd.ins, cmd.p1, cmd.p2, body, le).encode(force_extended=extended)


def unprotect(keys: SMKeys, rapdu: bytes, ssc: int) -> tuple[bytes, int, bool]:
    """Check and decrypt a response; return ``(data, sw, authenticated)``.

    A bare status word without secure messaging objects is returned with
    ``authenticated=False`` so the caller treats it only as a failure signal;
    6987/6988 mean the chip itself rejected our secure messaging.
    """
    body, outer_sw = split_response(rapdu)
    if not body:
        if outer_sw in (SW_SM_MISSING, SW_SM_INCORRECT):
            raise SecureMessagingError(f"chip rejected secure messaging ({outer_sw:04X})")
        if outer_sw == 0x9000:
            raise SecureMessagingError("unprotected success response")
        return b"", outer_sw, False
    try:
        items = parse_all(body)
    except MalformedResponse as exc:
        raise MalformedResponse(f"secure messaging response: {exc.detail}") from None
    if not items or items[-1].tag != 0x8E:
        raise SecureMessagingError("response has no DO'8E' MAC")
    do8e = items[-1]
    do87, do99 = find(items, 0x87) or find(items, 0x85), find(items, 0x99)
    if do99 is None:
        raise SecureMessagingError("response has no DO'99' status")
    signed = b"".join(i.raw for i in items[:-1])
    if not hmac.compare_digest(keys.mac(ssc, signed), do8e.value):
        raise SecureMessagingError("response MAC is wrong")
    if len(do99.value) != 2:
        raise SecureMessagingError("DO'99' must hold two bytes")
    data = _open_data_object(keys, ssc, do87) if do87 is not None else b""
    return data, int.from_bytes(do99.value, "big"), True


# --- card side (simulator) -------------------------------------------------------------


def unwrap_command(keys: SMKeys, raw: bytes, ssc: int) -> Command:
    """Card side: check a protected command's MAC and return the plain command."""
    cmd = parse_command(raw)
    if cmd.cla & 0x0C != 0x0C:
        raise SecureMessagingError("command is not protected")
    items = parse_all(cmd.data)
    if not items or items[-1].tag != 0x8E:
        raise SecureMessagingError("command has no DO'8E'")
    header = bytes([cmd.cla, cmd.ins, cmd.p1, cmd.p2])
    signed = crypto.pad(header, keys.block) + b"".join(i.raw for i in items[:-1])
    if not hmac.compare_digest(keys.mac(ssc, signed), items[-1].value):
        raise SecureMessagingError("command MAC is wrong")
    do87, do97 = find(items, 0x87) or find(items, 0x85), find(items, 0x97)
    data = _open_data_object(keys, ssc, do87) if do87 is not None else b""
    le = None
    if do97 is not None:
        raw_le = int.from_bytes(do97.value, "big") if do97.value else 0
        le = raw_le or (256 if len(do97.value) <= 1 else 65536)
    return Command(cmd.cla & ~0x0C & 0xFF, cmd.ins, cmd.p1, cmd.p2, data, le)


def wrap_response(
    keys: SMKeys, data: bytes, sw: int, ssc: int, *, include_do99: bool = True, ins: int = 0
) -> bytes:
    """Card side: protect response data and status word."""
    do87 = _data_object(keys, ssc, ins, data)
    do99 = tlv(0x99, sw.to_bytes(2, "big")) if include_do99 else b""
    cc = keys.mac(ssc, do87 + do99)
    return do87 + do99 + tlv(0x8E, cc) + sw.to_bytes(2, "big")
