"""The software chip behaves like a passport: access rules, demo passport, timing."""

from nfc_bridge.apdu import Command, read_binary, select_aid, select_ef
from nfc_bridge.lds_files import APPLET_AID
from nfc_bridge.reader import read_passport
from nfc_bridge.sim import demo_passport
from nfc_bridge.terminal import Terminal


def test_demo_passport_reads_and_verifies():
    chip, mrz, trust = demo_passport(sleep=None)
    result = read_passport(
        Terminal(mrz, aa_challenge=b"\x00" * 8), chip.transmit_batch, trust_store=trust
    )
    assert result.access == "PACE"
    assert result.trusted
    assert 15_000 < len(result.files["DG2"]) < 25_000
    assert result.dg1["document_number"] == "UT4821957"


def test_files_need_secure_messaging(make_chip):
    chip = make_chip()
    assert chip.transmit(select_aid(APPLET_AID).encode()) == b"\x90\x00"
    assert chip.transmit(select_ef(0x0101).encode()) == b"\x69\x82"
    assert chip.transmit(read_binary(0, 16).encode())[-2:] == b"\x69\x86"


def test_unknown_application_and_instruction(make_chip):
    chip = make_chip()
    assert chip.transmit(select_aid(b"\xa0\x00\x00\x00\x01").encode()) == b"\x6a\x82"
    assert chip.transmit(Command(0, 0xCA, 0, 0, le=256).encode()) == b"\x6d\x00"
    assert chip.transmit(b"\x00") == b"\x6f\x00"
    assert chip.transmit(b"") == b"\x6f\x00"
    assert chip.transmit(bytes.fromhex("00860000027C00")) == b"\x69\x85"  # no MSE first


def test_chip_time_accumulates_per_apdu(make_chip):
    slept = []
    chip = make_chip(delay=0.015, sleep=slept.append)
    chip.transmit_batch([select_aid(APPLET_AID).encode()] * 3)
    assert chip.apdu_count == 3 and abs(chip.chip_time - 0.045) < 1e-9
    assert slept == [0.015] * 3


def test_card_access_is_readable_without_authentication(make_chip):
    chip = make_chip(pace_param=13)
    assert chip.transmit(select_ef(0x011C).encode()) == b"\x90\x00"
    assert chip.transmit(read_binary(0, 256).encode())[:1] == b"\x31"
