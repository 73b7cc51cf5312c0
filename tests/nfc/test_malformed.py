"""Bad chips, bad relays and bad input end in a clean, named error."""

import random

import pytest

from nfc_bridge.bac import MRZInfo
from nfc_bridge.errors import (
    BacFailed,
    ChipRemoved,
    InvalidMrz,
    MalformedResponse,
    NfcError,
    SecureMessagingError,
    StatusWordError,
)
from nfc_bridge.reader import read_passport
from nfc_bridge.sim import Faults
from nfc_bridge.terminal import State, Terminal
from nfc_bridge.tlv import parse_all, parse_one

CHALLENGE = bytes.fromhex("0123456789ABCDEF")
WRONG_MRZ = MRZInfo("UT4821958", "500315", "310101")


def failed_with(t: Terminal, cls: type[NfcError]) -> NfcError:
    assert t.state == State.FAILED and t.done and t.commands() == []
    assert isinstance(t.error, cls), t.error
    assert t.result is None  # nothing half-read is handed out
    return t.error


def test_wrong_mrz_on_a_bac_chip_is_bac_failed(make_chip, run):
    t = run(Terminal(WRONG_MRZ), make_chip())
    err = failed_with(t, BacFailed)
    assert err.code == "bac_failed"


def test_wrong_mrz_on_a_pace_chip_fails_pace_then_bac(make_chip, run):
    t = run(Terminal(WRONG_MRZ), make_chip(pace_param=13))
    err = failed_with(t, BacFailed)
    assert "after PACE failed" in err.detail
    assert err.code == "bac_failed"


def test_wrong_mrz_on_a_pace_only_chip_still_says_check_your_passport(make_chip, run):
    t = run(Terminal(WRONG_MRZ), make_chip(pace_param=13, bac=False))
    err = failed_with(t, BacFailed)
    assert "after PACE failed" in err.detail
    assert err.code == "bac_failed", "the web layer says « check your passport » for it"


def test_broken_pace_falls_back_to_bac(passport, make_chip, run):
    t = run(Terminal(passport[1]), make_chip(pace_param=13, faults=Faults(broken_pace=True)))
    assert t.error is None
    assert t.result.access == "BAC"
    assert "token" in t.pace_error


def test_chip_removed_mid_batch(passport, make_chip, run):
    chip = make_chip(faults=Faults(stop_after=12), extended_length=False)
    t = run(Terminal(passport[1]), chip)
    err = failed_with(t, ChipRemoved)
    assert err.code == "chip_removed"
    assert chip.apdu_count == 12


def test_read_passport_raises_the_named_error(passport, make_chip):
    chip = make_chip(faults=Faults(stop_after=6))
    with pytest.raises(ChipRemoved):
        read_passport(Terminal(passport[1]), chip.transmit_batch)


def test_bad_response_mac(passport, make_chip, run):
    t = run(Terminal(passport[1]), make_chip(faults=Faults(bad_mac_at=3)))
    assert "MAC" in failed_with(t, SecureMessagingError).detail


def test_missing_do99(passport, make_chip, run):
    t = run(Terminal(passport[1]), make_chip(faults=Faults(no_do99_at=2)))
    assert "DO'99'" in failed_with(t, SecureMessagingError).detail


def test_truncated_tlv_in_a_protected_answer(passport, make_chip, run):
    t = run(Terminal(passport[1]), make_chip(faults=Faults(truncate_at=2)))
    failed_with(t, MalformedResponse)


@pytest.mark.parametrize("sw", [0x6F00, 0x6A82, 0x6B00, 0x6985])
def test_odd_status_words_while_reading(passport, make_chip, run, sw):
    t = run(Terminal(passport[1]), make_chip(faults=Faults(status_at={2: sw})))
    assert failed_with(t, StatusWordError).sw == sw


def test_chip_without_the_emrtd_application(passport):
    t = Terminal(passport[1])
    t.feed([b"\x6a\x82", b"\x6a\x82", b"\x6a\x82", b"\x6a\x82"])
    assert failed_with(t, StatusWordError).sw == 0x6A82


@pytest.mark.parametrize(
    "garbage", [["not bytes"], [b"\x90"], [b"\x90\x00"] * 9, [None], [5], "9000"]
)
def test_garbage_from_the_relay(passport, garbage):
    t = Terminal(passport[1])
    t.feed(garbage)
    failed_with(t, MalformedResponse)


def test_random_corruption_never_escapes_as_an_unhandled_exception(passport, make_chip):
    rng = random.Random(4)
    outcomes = set()
    for _ in range(40):
        chip = make_chip(pace_param=rng.choice([None, 13]), extended_length=rng.random() < 0.5)
        t = Terminal(passport[1], aa_challenge=CHALLENGE)
        victim = rng.randrange(1, 8)
        rounds = 0
        while not t.done:
            responses = chip.transmit_batch(t.commands())
            rounds += 1
            if rounds == victim and responses:
                i = rng.randrange(len(responses))
                r = bytearray(responses[i])
                cut = rng.random() < 0.3
                if cut:
                    r = r[: rng.randrange(len(r))]
                elif r:
                    r[rng.randrange(len(r))] ^= 1 << rng.randrange(8)
                responses[i] = bytes(r)
            t.feed(responses)
        assert t.error is None or isinstance(t.error, NfcError)
        outcomes.add(type(t.error).__name__ if t.error else "ok")
    assert len(outcomes) >= 3  # several distinct named errors were exercised


def test_truncated_tlv_is_malformed():
    with pytest.raises(MalformedResponse):
        parse_one(bytes.fromhex("5F1F0A414243"))
    with pytest.raises(MalformedResponse):
        parse_all(bytes.fromhex("6182"))
    with pytest.raises(MalformedResponse):
        parse_one(bytes.fromhex("5F"))


@pytest.mark.parametrize(
    "text", ["L898902C<369080619406237", "L898902C<3690806194062", "", "L898902C<36908X619406236"]
)
def test_bad_mrz_information_is_refused(text):
    with pytest.raises(InvalidMrz):
        MRZInfo.parse(text)


def test_errors_serialise_for_the_relay():
    err = ChipRemoved("gone")
    assert err.to_dict() == {
        "code": "chip_removed",
        "params": {},
        "detail": "gone",
    }


def test_random_bytes_never_crash_the_tlv_parser():
    rng = random.Random(7)
    outcomes = {"parsed": 0, "malformed": 0}
    for _ in range(2000):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(12)))
        try:
            parse_all(blob)
            outcomes["parsed"] += 1
        except MalformedResponse:  # the only error allowed
            outcomes["malformed"] += 1
    assert outcomes["parsed"] > 50 and outcomes["malformed"] > 50


def test_a_file_claiming_gigabytes_is_refused(pki, run):
    from nfc_bridge.sim import SimulatedChip, build_passport

    files, mrz = build_passport(pki)
    files["DG2"] = b"\x75\x84\x7f\xff\xff\xff" + files["DG2"][4:]
    t = run(Terminal(mrz), SimulatedChip(files, mrz, sleep=None))
    assert "claims" in failed_with(t, MalformedResponse).detail


def test_relay_that_reorders_answers_is_caught_by_the_mac(passport, make_chip):
    chip = make_chip(extended_length=False)
    t = Terminal(passport[1])
    swapped = False
    while not t.done:
        responses = chip.transmit_batch(t.commands())
        if t.keys is not None and len(responses) > 3 and not swapped:
            responses[1], responses[2] = responses[2], responses[1]
            swapped = True
        t.feed(responses)
    assert swapped
    failed_with(t, SecureMessagingError)
