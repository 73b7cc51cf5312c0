"""The command APDU behind each planned operation of the terminal.

Operations are small JSON lists (``["sm_read", "DG2", 0, 223]``) so a saved
terminal state stays plain data; this module turns them into commands.
"""

from __future__ import annotations

from . import ca, pace
from .apdu import Command, read_binary, select_aid, select_ef
from .bac import MRZInfo, bac_keys, external_authenticate_data
from .errors import MalformedResponse
from .lds_files import APPLET_AID, EF_CARD_ACCESS, FIDS


def build_command(
    op: list, *, mrz: MRZInfo, auth: dict, aa_challenge: bytes | None, extended: bool
) -> Command:
    """The plain command for ``op``; ``sm_*`` ones are wrapped by the caller."""
    kind = op[0]
    if kind == "sel_ca":
        return select_ef(EF_CARD_ACCESS)
    if kind == "read_ca":
        return read_binary(0, 256)
    if kind in ("sel_app", "sm_sel_app"):
        return select_aid(APPLET_AID)
    if kind == "challenge":
        return Command(0x00, 0x84, 0x00, 0x00, le=8)
    if kind == "ext_auth":
        k_enc, k_mac = bac_keys(mrz)
        data = external_authenticate_data(
            k_enc,
            k_mac,
            bytes.fromhex(auth["rnd_ic"]),
            bytes.fromhex(auth["rnd_ifd"]),
            bytes.fromhex(auth["k_ifd"]),
        )
        return Command(0x00, 0x82, 0x00, 0x00, data, le=40)
    if kind == "sel_mf":
        return Command(0x00, 0xA4, 0x00, 0x0C, b"\x3f\x00")
    if kind == "mse":
        return pace.mse_set_at(auth["oid"])
    if kind == "ga":
        tag, data, last = op[1], bytes.fromhex(op[2]), op[3]
        return pace.general_authenticate(tag, data, last)
    if kind == "sm_sel":
        return select_ef(FIDS[op[1]])
    if kind == "sm_read":
        return read_binary(op[2], op[3])
    if kind == "sm_ca_mse":
        return ca.mse_set_at(op[1], op[2])
    if kind == "sm_ca_ga":
        return ca.general_authenticate(bytes.fromhex(op[1]))
    if kind == "ca_proof":
        return select_ef(FIDS[op[1]])
    if kind == "sm_aa":
        # An RSA-2048 signature plus secure messaging needs an extended answer.
        return Command(
            0x00, 0x88, 0x00, 0x00, aa_challenge or bytes(8), le=65536 if extended else 256
        )
    raise MalformedResponse(f"unknown operation {kind}")
