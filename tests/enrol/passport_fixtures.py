"""Helpers of the passport enrolment tests: chips built on the demo PKI, a relay, an enrolment.

The app trusts the demo CSCA in test mode, so a passport signed by
``demo_pki()`` reads as genuine; one built with other data, or tampered with
after signing, exercises each refusal.
"""

from __future__ import annotations

import functools
import secrets

from nfc_bridge.relay import MemoryStore, RelayService, play_helper
from nfc_bridge.sim import DEMO_MRZ_FIELDS, Faults, SimulatedChip, build_passport, demo_pki
from nfc_bridge.truststore import TrustStore


@functools.lru_cache(maxsize=1)
def aa_key():
    """One active-authentication key for every test chip."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def td3_lines(**fields) -> list[str]:
    """The two MRZ lines of a passport with ``fields`` over the demo passport's."""
    from nfc_bridge.sim.demo_data import td3_mrz

    f = {**DEMO_MRZ_FIELDS, **fields}
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
    return [mrz[:44], mrz[44:]]


def chip(faults: Faults | None = None, dgs_override=None, **fields) -> SimulatedChip:
    """A simulated chip signed by the demo document signer."""
    files, info = build_passport(
        demo_pki(), aa_key=aa_key(), mrz_fields=fields or None, dgs_override=dgs_override
    )
    return SimulatedChip(files, info, aa_key=aa_key(), sleep=None, faults=faults)


def relay() -> RelayService:
    """A relay trusting only the demo CSCA."""
    return RelayService(MemoryStore(), TrustStore([demo_pki().csca]))


def read(service: RelayService, token: str, card: SimulatedChip) -> dict:
    """Play the phone's helper to the end of the read; returns the last reply."""
    return play_helper(lambda body: service.exchange(token, **body), card.transmit)


def new_enrolment(session, *, step="chip", lines=None, pensioner_id=None, **data):
    """An active passport enrolment at ``step`` with the scanned MRZ ``lines``."""
    from datetime import timedelta

    from webapp.models import Enrolment, utcnow

    row = Enrolment(
        consented_at=utcnow(),
        expires_at=utcnow() + timedelta(hours=24),
        token=secrets.token_urlsafe(24),
        procedure="passport",
        step=step,
        status="active",
        pensioner_id=pensioner_id,
        data={"mrz_lines": lines or td3_lines(), **data},
    )
    session.add(row)
    session.commit()
    return row
