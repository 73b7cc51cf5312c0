"""Chip authentication (DG14): a copied chip cannot use its DG14 key's session keys."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from nfc_bridge import aa, ca
from nfc_bridge.sim import SimulatedChip, build_passport
from nfc_bridge.terminal import State, Terminal


@pytest.fixture(scope="module")
def ca_key():
    return ec.generate_private_key(ec.BrainpoolP256R1())


@pytest.fixture(scope="module")
def ca_passport(pki, ca_key):
    return build_passport(pki, dg14=ca.dg14_file(ca_key))


def test_genuine_chip_passes_chip_authentication(ca_passport, ca_key, run, trust):
    files, mrz = ca_passport
    chip = SimulatedChip(
        files, mrz, ca_key=ca_key, pace_param=13, extended_length=False, sleep=None
    )
    t = run(Terminal(mrz), chip, resume=True)
    assert t.error is None and t.state == State.DONE
    r = t.result
    assert r.chip_auth["status"] == "pass"
    assert r.active_auth["status"] == "not_checked"  # this chip has no AA
    assert r.verify(trust)["dg_hashes"]["DG14"]["status"] == "pass"
    assert r.trusted and r.genuine_chip
    assert json.loads(json.dumps(r.to_dict()))["chip_auth"]["status"] == "pass"


def test_copied_chip_without_the_private_key_fails(ca_passport, run):
    files, mrz = ca_passport
    clone_key = ec.generate_private_key(ec.BrainpoolP256R1())
    t = run(Terminal(mrz), SimulatedChip(files, mrz, ca_key=clone_key, sleep=None))
    assert t.error is None
    assert t.result.chip_auth["status"] == "fail"
    assert "copy" in t.result.chip_auth["reason"]
    assert not t.result.trusted and not t.result.genuine_chip


def test_chip_refusing_chip_authentication_fails(ca_passport, run):
    files, mrz = ca_passport
    t = run(Terminal(mrz), SimulatedChip(files, mrz, ca_key=None, sleep=None))
    assert t.result.chip_auth["status"] == "fail"
    assert "refused" in t.result.chip_auth["reason"]


def test_chip_removed_during_chip_authentication(ca_passport, ca_key, run):
    from nfc_bridge.errors import ChipRemoved
    from nfc_bridge.sim import Faults

    files, mrz = ca_passport
    probe = SimulatedChip(files, mrz, ca_key=ca_key, sleep=None)
    run(Terminal(mrz), probe)
    total = probe.apdu_count
    chip = SimulatedChip(files, mrz, ca_key=ca_key, sleep=None, faults=Faults(stop_after=total - 1))
    t = run(Terminal(mrz), chip)
    assert isinstance(t.error, ChipRemoved) and t.result is None


def test_dg14_with_both_aa_and_ca_infos(pki, aa_ec_key, ca_key, run):
    from nfc_bridge.aa import dg14_file as aa_dg14

    aa_info = aa_dg14("sha256")[4:]  # the SecurityInfo inside 6E/SET headers
    dg14 = ca.dg14_file(ca_key, extra_infos=(aa_info,))
    files, mrz = build_passport(pki, aa_key=aa_ec_key, dg14=dg14)
    chip = SimulatedChip(files, mrz, aa_key=aa_ec_key, ca_key=ca_key, sleep=None)
    t = run(Terminal(mrz, aa_challenge=b"\x01" * 8), chip)
    assert t.result.active_auth["status"] == "pass"
    assert t.result.chip_auth["status"] == "pass"
    assert aa.dg14_aa_hash(dg14) is not None


def test_dg14_without_chip_authentication_is_not_checked(pki, aa_ec_key, run):
    files, mrz = build_passport(pki, aa_key=aa_ec_key, dg14=aa.dg14_file("sha256"))
    t = run(Terminal(mrz), SimulatedChip(files, mrz, aa_key=aa_ec_key, sleep=None))
    assert t.result.chip_auth["status"] == "not_checked"
