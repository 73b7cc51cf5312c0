"""Shared fixtures of the nfc_bridge tests."""

import sys
from pathlib import Path

# Make the repository root importable when pytest is run without installing the project.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import pytest  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

from nfc_bridge.sim import SimulatedChip, build_passport  # noqa: E402
from nfc_bridge.sim.pki import make_pki  # noqa: E402
from nfc_bridge.terminal import Terminal  # noqa: E402
from nfc_bridge.truststore import TrustStore  # noqa: E402

CHALLENGE = bytes.fromhex("0123456789ABCDEF")


@pytest.fixture(scope="session")
def pki():
    """The test country's CSCA and document signer (RSA 2048)."""
    return make_pki("UT")


@pytest.fixture(scope="session")
def trust(pki):
    return TrustStore([pki.csca])


@pytest.fixture(scope="session")
def aa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


@pytest.fixture(scope="session")
def aa_ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def passport(pki, aa_key):
    """``(files, mrz_information)`` of a genuine passport with active authentication."""
    return build_passport(pki, aa_key=aa_key)


@pytest.fixture
def make_chip(passport, aa_key):
    """Factory: a simulated chip of the genuine passport with chip ``options``."""

    def make(**options) -> SimulatedChip:
        files, mrz = passport
        options.setdefault("sleep", None)
        options.setdefault("aa_key", aa_key)
        return SimulatedChip(files, mrz, **options)

    return make


@pytest.fixture
def run():
    """The drive loop as a fixture (test modules cannot import each other)."""
    return drive


def drive(terminal: Terminal, chip: SimulatedChip, *, resume: bool = False) -> Terminal:
    """Drive ``terminal`` to the end; with ``resume`` rebuild it from JSON every round."""
    import json

    while not terminal.done:
        responses = chip.transmit_batch(terminal.commands())
        if resume:
            terminal = Terminal.from_state(json.loads(json.dumps(terminal.to_state())))
        terminal.feed(responses)
    return terminal
