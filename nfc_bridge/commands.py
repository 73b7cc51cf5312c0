"""The command APDU behind each planned operation of the terminal (see :mod:`.ops`)."""

from __future__ import annotations

from . import ca, pace
from .apdu import Command, read_binary, select_aid, select_ef
from .bac import MRZInfo, bac_keys, external_authenticate_data
from .errors import MalformedResponse
from .lds_files import APPLET_AID, EF_CARD_ACCESS, FIDS
from .ops import (
    ActiveAuthenticate,
    ChipAuthKey,
    ChipAuthProof,
    ChipAuthSetAt,
    ExternalAuthenticate,
    GeneralAuthenticate,
    GetChallenge,
    Op,
    PaceSetAt,
    ReadCardAccess,
    SecureRead,
    SecureSelect,
    SecureSelectApplet,
    SelectApplet,
    SelectCardAccess,
    SelectMasterFile,
)


def build_command(
    op: Op, *, mrz: MRZInfo, auth: dict, aa_challenge: bytes | None, extended: bool
) -> Command:
    """The plain command for ``op``; protected ones are wrapped by the caller."""
    match op:
        case SelectCardAccess():
            return select_ef(EF_CARD_ACCESS)
        case ReadCardAccess():
            return read_binary(0, 256)
        case SelectApplet() | SecureSelectApplet():
            return select_aid(APPLET_AID)
        case GetChallenge():
            return Command(0x00, 0x84, 0x00, 0x00, le=8)
        case ExternalAuthenticate():
            k_enc, k_mac = bac_keys(mrz)
            data = external_authenticate_data(
                k_enc,
                k_mac,
                bytes.fromhex(auth["rnd_ic"]),
                bytes.fromhex(auth["rnd_ifd"]),
                bytes.fromhex(auth["k_ifd"]),
            )
            return Command(0x00, 0x82, 0x00, 0x00, data, le=40)
        case SelectMasterFile():
            return Command(0x00, 0xA4, 0x00, 0x0C, b"\x3f\x00")
        case PaceSetAt():
            return pace.mse_set_at(auth["oid"])
        case GeneralAuthenticate(tag=tag, data=data, last=last):
            return pace.general_authenticate(tag, data, last)
        case SecureSelect(name=name) | ChipAuthProof(name=name):
            return select_ef(FIDS[name])
        case SecureRead(offset=offset, length=length):
            return read_binary(offset, length)
        case ChipAuthSetAt(oid=oid, key_id=key_id):
            return ca.mse_set_at(oid, key_id)
        case ChipAuthKey(public=public):
            return ca.general_authenticate(public)
        case ActiveAuthenticate():
            # An RSA-2048 signature plus secure messaging needs an extended answer.
            return Command(
                0x00, 0x88, 0x00, 0x00, aa_challenge or bytes(8), le=65536 if extended else 256
            )
    raise MalformedResponse(f"unknown operation {op!r}")
