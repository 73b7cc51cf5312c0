"""What each command the terminal sends is for: small frozen dataclasses, as h11 does events.

The terminal plans operations, :mod:`nfc_bridge.commands` turns each into its
command APDU, and the answers are matched back to them in order. Operations
whose ``protected`` is true are sent under the session's secure messaging. A
saved terminal keeps its pending operations as JSON lists (``["sm_read", "DG2",
0, 223]``: the ``kind`` then the fields, bytes in hex); :func:`op_from_json`
reads them back and refuses anything else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import MalformedResponse


@dataclass(frozen=True)
class Op:
    """Base of every operation."""

    kind: ClassVar[str] = ""
    protected: ClassVar[bool] = False  # wrapped with the session's secure messaging

    def to_json(self) -> list[Any]:
        """``[kind, field values...]`` with bytes as hex."""
        values = (getattr(self, f.name) for f in dataclasses.fields(self))
        return [self.kind, *(v.hex() if isinstance(v, bytes) else v for v in values)]


@dataclass(frozen=True)
class SelectCardAccess(Op):
    """SELECT EF.CardAccess (plain), to learn whether the chip offers PACE."""

    kind = "sel_ca"


@dataclass(frozen=True)
class ReadCardAccess(Op):
    """READ BINARY of EF.CardAccess."""

    kind = "read_ca"


@dataclass(frozen=True)
class SelectApplet(Op):
    """SELECT the eMRTD application (plain, before BAC)."""

    kind = "sel_app"


@dataclass(frozen=True)
class GetChallenge(Op):
    """GET CHALLENGE: the chip's BAC nonce."""

    kind = "challenge"


@dataclass(frozen=True)
class ExternalAuthenticate(Op):
    """BAC's EXTERNAL AUTHENTICATE (built from the MRZ key and the nonces in ``auth``)."""

    kind = "ext_auth"


@dataclass(frozen=True)
class SelectMasterFile(Op):
    """SELECT the master file: PACE runs in its context."""

    kind = "sel_mf"


@dataclass(frozen=True)
class PaceSetAt(Op):
    """MSE:Set AT for PACE with the protocol chosen from EF.CardAccess."""

    kind = "mse"


@dataclass(frozen=True)
class GeneralAuthenticate(Op):
    """One PACE GENERAL AUTHENTICATE step: dynamic data object ``tag`` (or none)."""

    kind = "ga"
    tag: int | None
    data: bytes
    last: bool


@dataclass(frozen=True)
class SecureSelectApplet(Op):
    """SELECT the eMRTD application again, under PACE's secure messaging."""

    kind = "sm_sel_app"
    protected = True


@dataclass(frozen=True)
class SecureSelect(Op):
    """SELECT an LDS file by name ("COM", "DG2"...)."""

    kind = "sm_sel"
    protected = True
    name: str


@dataclass(frozen=True)
class SecureRead(Op):
    """READ BINARY ``length`` bytes of the selected file ``name`` from ``offset``."""

    kind = "sm_read"
    protected = True
    name: str
    offset: int
    length: int


@dataclass(frozen=True)
class ActiveAuthenticate(Op):
    """INTERNAL AUTHENTICATE with the server's challenge (active authentication)."""

    kind = "sm_aa"
    protected = True


@dataclass(frozen=True)
class ChipAuthSetAt(Op):
    """MSE:Set AT for chip authentication with the DG14 key ``key_id``."""

    kind = "sm_ca_mse"
    protected = True
    oid: str
    key_id: int | None


@dataclass(frozen=True)
class ChipAuthKey(Op):
    """GENERAL AUTHENTICATE carrying our ephemeral chip authentication key."""

    kind = "sm_ca_ga"
    protected = True
    public: bytes


@dataclass(frozen=True)
class ChipAuthProof(Op):
    """SELECT ``name`` under the keys chip authentication sets up (SSC 1)."""

    kind = "ca_proof"
    name: str


OPS: dict[str, type[Op]] = {
    cls.kind: cls
    for cls in (
        SelectCardAccess,
        ReadCardAccess,
        SelectApplet,
        GetChallenge,
        ExternalAuthenticate,
        SelectMasterFile,
        PaceSetAt,
        GeneralAuthenticate,
        SecureSelectApplet,
        SecureSelect,
        SecureRead,
        ActiveAuthenticate,
        ChipAuthSetAt,
        ChipAuthKey,
        ChipAuthProof,
    )
}

_SCALARS: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "int | None": (int, type(None)),
    "str": (str,),
    "bool": (bool,),
    "bytes": (str,),  # hex in JSON
}


def op_from_json(data: Any) -> Op:
    """The operation saved by :meth:`Op.to_json`; ``MalformedResponse`` if it is not one."""
    if not isinstance(data, list) or not data or data[0] not in OPS:
        raise MalformedResponse(f"unknown operation {data!r:.60}")
    cls = OPS[data[0]]
    fields = dataclasses.fields(cls)
    if len(data) != len(fields) + 1:
        raise MalformedResponse(f"operation {data[0]} takes {len(fields)} values")
    hints = _hints(cls)
    values: list[Any] = []
    for f, value in zip(fields, data[1:], strict=True):
        kind = hints[f.name]
        ok = isinstance(value, _SCALARS[kind]) and not (kind != "bool" and isinstance(value, bool))
        if not ok:
            raise MalformedResponse(f"operation {data[0]}: bad {f.name}")
        values.append(bytes.fromhex(value) if kind == "bytes" else value)
    return cls(*values)


def _hints(cls: type[Op]) -> dict[str, str]:
    """Field name -> type as written ("int | None"): annotations are strings here."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: str(v) for k, v in cls.__annotations__.items() if k in names}
