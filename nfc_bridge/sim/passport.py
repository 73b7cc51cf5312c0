"""The passports the simulator serves: any test passport, and the demo passport.

:func:`build_passport` signs LDS files with a test PKI; :func:`demo_passport` is
the passport the web app reads in demo mode (the same keys in every process).
"""

from __future__ import annotations

import functools

from .. import aa
from ..bac import MRZInfo
from ..lds_files import com_file, dg_number
from .chip import SimulatedChip

DEMO_MRZ_FIELDS = dict(
    surname="DEMO",
    given="AMINA",
    number="UT4821957",
    nationality="UTO",
    birth="500315",
    sex="F",
    expiry="310101",
)


@functools.lru_cache(maxsize=1)
def _demo_material():
    from cryptography.hazmat.primitives.asymmetric import rsa

    from .pki import demo_pki

    return demo_pki(), rsa.generate_private_key(public_exponent=65537, key_size=1024)


def build_passport(
    pki,
    *,
    aa_key=None,
    mrz_fields: dict | None = None,
    encoding: str = "19794",
    dgs_override: dict[str, bytes] | None = None,
    face=None,
    with_com: bool = True,
    dg14: bytes | None = None,
    **sod_kwargs,
):
    """LDS files (COM, DG1, DG2, DG15?, SOD) for a passport signed by ``pki``'s DSC.

    Returns ``(files, mrz_information)``. ``face`` is ``(image, width, height)``;
    ``dgs_override`` replaces data groups *after* signing (to model tampering).
    """
    from .demo_data import dg1_file, dg2_file, face_jpeg, td3_mrz
    from .pki import make_sod

    f = {**DEMO_MRZ_FIELDS, **(mrz_fields or {})}
    mrz = td3_mrz(
        f["surname"],
        f["given"],
        f["number"],
        f["nationality"],
        f["birth"],
        f["sex"],
        f["expiry"],
        f.get("issuing"),
    )
    image, w, h = face or face_jpeg(86)
    dgs = {"DG1": dg1_file(mrz), "DG2": dg2_file(image, w, h, encoding=encoding)}
    if dg14 is not None:
        dgs["DG14"] = dg14
    if aa_key is not None:
        dgs["DG15"] = aa.dg15_file(aa_key.public_key())
    sod = make_sod({dg_number(n): d for n, d in dgs.items()}, pki, **sod_kwargs)
    dgs.update(dgs_override or {})
    files = {"COM": com_file(list(dgs)), "SOD": sod, **dgs}
    if not with_com:
        del files["COM"]
    info = MRZInfo(f["number"], f["birth"], f["expiry"]).key_string()
    return files, info


def demo_passport(**chip_options):
    """``(SimulatedChip, mrz_information, trust_store)`` of the demo passport.

    The demo chip offers PACE (brainpoolP256r1, AES-128) with BAC fallback and an
    RSA-1024 active authentication key; its CSCA (the same key in every process,
    see :func:`~nfc_bridge.sim.pki.demo_pki`) is the only one in the trust store.
    """
    from ..truststore import TrustStore

    pki, aa_key = _demo_material()
    files, info = build_passport(pki, aa_key=aa_key)
    chip_options.setdefault("pace_param", 13)
    chip = SimulatedChip(files, info, aa_key=aa_key, **chip_options)
    return chip, info, TrustStore([pki.csca])
