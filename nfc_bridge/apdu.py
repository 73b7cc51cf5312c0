"""Command/response APDU encoding (ISO/IEC 7816-4), short and extended length."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import MalformedResponse

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282  # fewer bytes than Le: the data is still valid
SW_WRONG_LENGTH = 0x6700
SW_FILE_NOT_FOUND = 0x6A82
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_SM_MISSING = 0x6987
SW_SM_INCORRECT = 0x6988


@dataclass(frozen=True)
class Command:
    """A command APDU; ``le`` is None (no response data expected) or 1..65536."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    @property
    def extended(self) -> bool:
        """Whether the command needs extended length encoding."""
        return len(self.data) > 255 or (self.le is not None and self.le > 256)

    def encode(self, force_extended: bool = False) -> bytes:
        """Encode as bytes, switching to extended length when needed."""
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        ext = force_extended or self.extended
        if self.data:
            if ext:
                out += b"\x00" + len(self.data).to_bytes(2, "big")
            else:
                out += bytes([len(self.data)])
            out += self.data
        if self.le is not None:
            if ext:
                le = b"" if self.data else b"\x00"
                out += le + (self.le % 65536).to_bytes(2, "big")
            else:
                out += bytes([self.le % 256])
        return out


def parse_command(raw: bytes) -> Command:
    """Decode a command APDU (cases 1-4, short or extended); used by the simulator."""
    if len(raw) < 4:
        raise MalformedResponse("command APDU shorter than 4 bytes")
    cla, ins, p1, p2 = raw[:4]
    body = raw[4:]
    if not body:
        return Command(cla, ins, p1, p2)
    if len(body) == 1:
        return Command(cla, ins, p1, p2, le=body[0] or 256)
    if body[0] != 0:  # short case 3/4
        lc = body[0]
        data = body[1 : 1 + lc]
        rest = body[1 + lc :]
        if len(data) != lc or len(rest) > 1:
            raise MalformedResponse("bad short APDU length")
        le = (rest[0] or 256) if rest else None
        return Command(cla, ins, p1, p2, data, le)
    if len(body) == 3:  # extended case 2
        return Command(cla, ins, p1, p2, le=int.from_bytes(body[1:3], "big") or 65536)
    lc = int.from_bytes(body[1:3], "big")
    data = body[3 : 3 + lc]
    rest = body[3 + lc :]
    if lc == 0 or len(data) != lc or len(rest) not in (0, 2):
        raise MalformedResponse("bad extended APDU length")
    le = (int.from_bytes(rest, "big") or 65536) if rest else None
    return Command(cla, ins, p1, p2, data, le)


def split_response(rapdu: bytes) -> tuple[bytes, int]:
    """Split a response APDU into data and status word."""
    if not isinstance(rapdu, bytes | bytearray) or len(rapdu) < 2:
        raise MalformedResponse("response APDU shorter than 2 bytes")
    return bytes(rapdu[:-2]), int.from_bytes(rapdu[-2:], "big")


def select_ef(fid: int) -> Command:
    """SELECT an elementary file by file identifier, no response data (P2=0C)."""
    return Command(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))


def select_aid(aid: bytes) -> Command:
    """SELECT an application by AID, no response data."""
    return Command(0x00, 0xA4, 0x04, 0x0C, aid)


def read_binary(offset: int, length: int) -> Command:
    """READ BINARY from the current EF.

    Offsets past 32767 need the odd instruction B1 (offset in DO'54', answer in
    DO'53'), which large face images reach.
    """
    if offset < 0:
        raise MalformedResponse("negative READ BINARY offset")
    if offset <= 0x7FFF:
        return Command(0x00, 0xB0, offset >> 8, offset & 0xFF, le=length)
    return Command(
        0x00,
        0xB1,
        0x00,
        0x00,
        b"\x54\x03" + offset.to_bytes(3, "big"),
        le=length + do53_overhead(length),
    )


def do53_overhead(length: int) -> int:
    """Tag and length bytes of a DO'53' holding ``length`` bytes."""
    return 2 if length < 0x80 else 3 if length < 0x100 else 4


def unwrap_do53(data: bytes) -> bytes:
    """The file bytes of an odd-INS READ BINARY answer (DO'53')."""
    from .tlv import parse_one

    return parse_one(data, 0x53).value
