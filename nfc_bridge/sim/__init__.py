"""The card side, for tests, benchmarks and the demo: never used to read a real passport.

A software chip (:mod:`.chip`), the passports it serves (:mod:`.passport`), the demo
passport's data (:mod:`.demo_data`), a
throw-away country PKI (:mod:`.pki`) and a transport with a simulated network
(:mod:`.transport`). The reader (:mod:`nfc_bridge.terminal` and the transports)
does not import this package.
"""

from .chip import Faults, SimulatedChip
from .passport import DEMO_MRZ_FIELDS, build_passport, demo_passport
from .pki import TestPki, demo_pki, make_pki, make_sod
from .transport import SimulatorTransport

__all__ = [
    "DEMO_MRZ_FIELDS",
    "Faults",
    "SimulatedChip",
    "SimulatorTransport",
    "TestPki",
    "build_passport",
    "demo_passport",
    "demo_pki",
    "make_pki",
    "make_sod",
]
