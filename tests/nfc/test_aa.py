"""Active authentication: the chip proves it holds the DG15 private key."""

from cryptography.hazmat.primitives.asymmetric import rsa

from nfc_bridge import aa
from nfc_bridge.sim import Faults, SimulatedChip, build_passport
from nfc_bridge.terminal import Terminal

CHALLENGE = bytes.fromhex("0123456789ABCDEF")


def test_rsa_chip_signs_our_challenge(passport, make_chip, run):
    t = run(Terminal(passport[1], aa_challenge=CHALLENGE), make_chip())
    assert t.result.active_auth["status"] == "pass"
    assert "9796-2" in t.result.active_auth["reason"]


def test_ecdsa_chip_signs_our_challenge(pki, aa_ec_key, run):
    files, mrz = build_passport(pki, aa_key=aa_ec_key)
    t = run(
        Terminal(mrz, aa_challenge=CHALLENGE),
        SimulatedChip(files, mrz, aa_key=aa_ec_key, sleep=None),
    )
    assert t.result.active_auth["status"] == "pass"
    assert "ECDSA" in t.result.active_auth["reason"]


def test_cloned_chip_without_the_private_key_fails(passport, make_chip, run):
    wrong = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    t = run(Terminal(passport[1], aa_challenge=CHALLENGE), make_chip(aa_key=wrong))
    assert t.error is None
    assert t.result.active_auth["status"] == "fail"
    assert t.result.trusted is False


def test_replayed_signature_for_another_challenge_fails(passport, aa_key, make_chip, run):
    recorded = aa.sign(aa_key, bytes.fromhex("1111111111111111"))
    chip = make_chip(faults=Faults(aa_signature=recorded))
    t = run(Terminal(passport[1], aa_challenge=CHALLENGE), chip)
    assert t.result.active_auth["status"] == "fail"
    assert "replayed" in t.result.active_auth["reason"]


def test_chip_without_dg15_reports_not_checked(pki, run):
    files, mrz = build_passport(pki)
    t = run(Terminal(mrz, aa_challenge=CHALLENGE), SimulatedChip(files, mrz, sleep=None))
    assert "DG15" not in t.result.files
    assert t.result.active_auth["status"] == "not_checked"


def test_chip_refusing_internal_authenticate_fails(passport, make_chip, run):
    files, mrz = passport
    chip = SimulatedChip(files, mrz, aa_key=None, sleep=None)  # DG15 but no key inside
    t = run(Terminal(mrz, aa_challenge=CHALLENGE), chip)
    assert t.result.active_auth["status"] == "fail"


def test_verify_rejects_garbage_signatures(aa_key, aa_ec_key):
    assert aa.verify(aa_key.public_key(), CHALLENGE, b"\x01" * 128)["status"] == "fail"
    assert aa.verify(aa_ec_key.public_key(), CHALLENGE, b"\x01" * 64)["status"] == "fail"
    assert aa.verify(aa_key.public_key(), CHALLENGE, b"")["status"] == "fail"


def test_dg14_names_the_ecdsa_hash(pki, aa_ec_key, run):
    files, mrz = build_passport(pki, aa_key=aa_ec_key, dg14=aa.dg14_file("sha384"))
    good = SimulatedChip(files, mrz, aa_key=aa_ec_key, aa_hash="sha384", sleep=None)
    t = run(Terminal(mrz, aa_challenge=CHALLENGE), good)
    assert "DG14" in t.result.files
    assert t.result.active_auth == {
        "status": "pass",
        "reason": "ECDSA signature (sha384) over our challenge",
    }
    assert t.result.passive_auth["dg_hashes"]["DG14"]["status"] == "pass"
    other_hash = SimulatedChip(files, mrz, aa_key=aa_ec_key, aa_hash="sha256", sleep=None)
    t = run(Terminal(mrz, aa_challenge=CHALLENGE), other_hash)
    assert t.result.active_auth["status"] == "fail"
