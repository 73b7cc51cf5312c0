"""What a finished read hands back: raw files, parsed fields, face, PA and AA outcomes."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from . import aa, lds
from .errors import NfcError
from .pa import passive_auth
from .truststore import TrustStore


@dataclass
class ReadResult:
    """Outcome of reading one chip.

    ``passive_auth`` is computed without a trust store until :meth:`verify` is
    called with one (``dsc_chain`` stays ``not_checked`` until then).
    """

    files: dict[str, bytes]
    access: str | None = None
    dg1: dict | None = None
    face_image: bytes | None = None
    face_mime: str | None = None
    face_size: tuple[int, int] | None = None
    passive_auth: dict = field(default_factory=dict)
    active_auth: dict = field(default_factory=dict)
    chip_auth: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def verify(self, trust_store: TrustStore | None, **kwargs) -> dict:
        """(Re)run passive authentication against ``trust_store``."""
        self.passive_auth = passive_auth(self.files, trust_store, **kwargs)
        return self.passive_auth

    @property
    def trusted(self) -> bool:
        """Passive authentication passed and neither active nor chip authentication failed."""
        return (
            bool(self.passive_auth.get("passed"))
            and self.active_auth.get("status") != "fail"
            and self.chip_auth.get("status") != "fail"
        )

    @property
    def genuine_chip(self) -> bool:
        """Active or chip authentication proved the chip is not a copy."""
        return "pass" in (self.active_auth.get("status"), self.chip_auth.get("status"))

    def to_dict(self, include_image: bool = False) -> dict:
        """JSON-friendly summary; the face image only when asked for."""
        out = {
            "access": self.access,
            "files": {k: len(v) for k, v in self.files.items()},
            "dg1": self.dg1,
            "face_found": self.face_image is not None,
            "face_mime": self.face_mime,
            "face_size": list(self.face_size) if self.face_size else None,
            "passive_auth": self.passive_auth,
            "active_auth": self.active_auth,
            "chip_auth": self.chip_auth,
            "trusted": self.trusted,
            "genuine_chip": self.genuine_chip,
            "problems": self.problems,
        }
        if include_image and self.face_image is not None:
            out["face_image_base64"] = base64.b64encode(self.face_image).decode("ascii")
        return out


def build_result(
    files: dict[str, bytes],
    access: str | None,
    challenge: bytes | None,
    aa_signature: bytes | None,
    aa_status: int | None = None,
    trust_store: TrustStore | None = None,
    *,
    chip_auth: dict | None = None,
) -> ReadResult:
    """Parse and check what the terminal read; parsing problems are listed, not raised."""
    r = ReadResult(dict(files), access)
    try:
        r.dg1 = lds.parse_dg1(files["DG1"])
    except (NfcError, KeyError) as exc:
        r.problems.append(f"DG1: {exc}")
    try:
        r.face_image, r.face_mime = lds.extract_face(files["DG2"])
        r.face_size = lds.decode_image(r.face_image)
    except (NfcError, KeyError) as exc:
        r.problems.append(f"DG2: {exc}")
    r.active_auth = active_auth(files, challenge, aa_signature, aa_status)
    r.chip_auth = chip_auth or {"status": "not_checked", "reason": "chip has no DG14"}
    r.verify(trust_store)
    return r


def active_auth(
    files: dict[str, bytes],
    challenge: bytes | None,
    signature: bytes | None,
    status: int | None = None,
) -> dict:
    """Outcome of active authentication from DG15, the challenge and the answer."""
    if "DG15" not in files:
        return {"status": "not_checked", "reason": "chip has no DG15 (no active authentication)"}
    if challenge is None:
        return {"status": "not_checked", "reason": "no challenge was given"}
    if status is not None and status != 0x9000:
        return {"status": "fail", "reason": f"chip refused INTERNAL AUTHENTICATE ({status:04X})"}
    try:
        key = aa.dg15_public_key(files["DG15"])
    except NfcError as exc:
        return {"status": "not_checked", "reason": exc.detail}
    return aa.verify(key, challenge, signature or b"", files.get("DG14"))
