"""Full reads of simulated chips through the sans-IO terminal."""

import json

import pytest

from nfc_bridge import pace
from nfc_bridge.reader import read_passport
from nfc_bridge.sim import SimulatedChip, build_passport
from nfc_bridge.terminal import TRANSITIONS, State, Terminal

CHALLENGE = bytes.fromhex("0123456789ABCDEF")


def test_bac_only_chip_is_read_and_verified_in_few_round_trips(passport, trust, make_chip, run):
    chip = make_chip()
    t = run(Terminal(passport[1], aa_challenge=CHALLENGE), chip)
    assert t.error is None and t.state == State.DONE
    r = t.result
    r.verify(trust)
    assert r.access == "BAC"
    assert set(r.files) == {"COM", "SOD", "DG1", "DG2", "DG15"}
    assert r.dg1["surname"] == "DEMO" and r.dg1["issuing_state"] == "UTO"
    assert r.face_mime == "image/jpeg" and r.face_size == (300, 380)
    assert r.passive_auth["passed"] and r.active_auth["status"] == "pass"
    assert r.trusted
    assert t.rounds <= 5


def test_pace_chip_uses_pace_and_reads_everything(passport, aa_key, make_chip, run):
    chip = make_chip(pace_param=13)
    t = run(Terminal(passport[1], aa_challenge=CHALLENGE), chip)
    assert t.error is None
    assert t.result.access == "PACE"
    assert t.result.files["DG2"] == passport[0]["DG2"]
    assert t.result.active_auth["status"] == "pass"


@pytest.mark.parametrize(
    "param,oid_end",
    [(12, "2.2"), (14, "2.3"), (15, "2.4"), (16, "2.2"), (17, "2.4"), (18, "2.3"), (13, "6.2")],
)
def test_pace_gm_and_cam_work_on_every_standard_curve_and_aes_size(passport, param, oid_end, run):
    files, mrz = passport
    chip = SimulatedChip(
        files, mrz, pace_param=param, pace_oid=f"{pace.PACE_PREFIX}.{oid_end}", sleep=None
    )
    t = run(Terminal(mrz), chip)
    assert t.error is None and t.result.access == "PACE"
    assert t.result.active_auth["status"] == "not_checked"  # no challenge given


def test_short_length_chip_with_tiny_buffer_falls_back(passport, aa_key, make_chip, run):
    chip = make_chip(extended_length=False, max_read=0x40, over_read="6C")
    t = run(Terminal(passport[1], aa_challenge=CHALLENGE, prefer_pace=False), chip)
    assert t.error is None
    assert t.files.read_size == 0x40
    assert t.result.files["DG2"] == passport[0]["DG2"]
    assert t.result.active_auth["status"] == "pass"


def test_chip_answering_less_than_asked_sets_the_read_size(passport, aa_key, make_chip, run):
    chip = make_chip(max_read=1000, over_read="truncate")
    t = run(Terminal(passport[1]), chip)
    assert t.error is None and t.files.read_size == 1000
    assert t.result.files["SOD"] == passport[0]["SOD"]


def test_short_only_chip_reads_a_20kb_face_in_at_most_8_round_trips(passport, make_chip, run):
    chip = make_chip(extended_length=False)
    t = run(Terminal(passport[1], aa_challenge=CHALLENGE), chip)
    assert t.error is None
    assert len(passport[0]["DG2"]) > 20000
    assert t.rounds <= 5  # init, BAC, first reads (probing extended length), 2 pipelined
    assert chip.apdu_count > 100  # one READ BINARY per 223 bytes, pipelined


def test_terminal_resumes_from_json_state_every_round(passport, aa_key, make_chip, run):
    chip = make_chip(pace_param=13, extended_length=False)
    t = run(Terminal(passport[1], aa_challenge=CHALLENGE), chip, resume=True)
    assert t.error is None
    assert t.result.active_auth["status"] == "pass"
    assert t.result.files["DG2"] == passport[0]["DG2"]


def test_state_round_trip_keeps_the_pending_batch(passport):
    t = Terminal(passport[1], aa_challenge=CHALLENGE)
    state = t.to_state()
    again = Terminal.from_state(json.loads(json.dumps(state)))
    assert again.commands() == t.commands()
    assert again.to_state() == state


def test_progress_grows_to_one(passport, aa_key, make_chip):
    chip = make_chip(extended_length=False)
    t = Terminal(passport[1])
    seen = [t.progress]
    while not t.done:
        t.feed(chip.transmit_batch(t.commands()))
        seen.append(t.progress)
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0 < seen[2] < 1


def test_read_passport_drive_loop_returns_a_verified_result(passport, aa_key, trust, make_chip):
    chip = make_chip()
    result = read_passport(
        Terminal(passport[1], aa_challenge=CHALLENGE), chip.transmit_batch, trust_store=trust
    )
    assert result.passive_auth["dsc_chain"]["status"] == "pass"
    assert result.to_dict()["face_found"] is True
    assert "face_image_base64" not in result.to_dict()
    assert result.to_dict(include_image=True)["face_image_base64"]


def test_iso_39794_face_block_is_found(pki, run):
    files, mrz = build_passport(pki, encoding="39794")
    t = run(Terminal(mrz), SimulatedChip(files, mrz, sleep=None))
    assert t.result.face_mime == "image/jpeg" and t.result.face_size == (300, 380)


def test_every_state_has_a_transition_row():
    assert set(TRANSITIONS) == set(State)
    assert TRANSITIONS[State.DONE] == set() and TRANSITIONS[State.FAILED] == set()


def test_done_terminal_emits_no_more_commands(passport, aa_key, make_chip, run):
    t = run(Terminal(passport[1]), make_chip())
    assert t.done and t.commands() == []
    t.feed([b"\x90\x00"])  # ignored
    assert t.error is None


def _big_face() -> tuple[bytes, int, int]:
    import io
    import random

    from PIL import Image

    rng = random.Random(1)
    im = Image.frombytes("RGB", (240, 240), bytes(rng.randrange(256) for _ in range(240 * 240 * 3)))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue(), 240, 240


@pytest.mark.parametrize("extended", [True, False])
def test_face_beyond_32_kb_is_read_with_odd_read_binary(pki, run, extended):
    face = _big_face()
    assert len(face[0]) > 40_000
    files, mrz = build_passport(pki, face=face)
    chip = SimulatedChip(files, mrz, pace_param=13, extended_length=extended, sleep=None)
    t = run(Terminal(mrz), chip)
    assert t.error is None, t.error
    assert t.result.face_image == face[0]
    assert t.result.passive_auth["dg_hashes"]["DG2"]["status"] == "pass"


def test_corrupt_saved_state_is_a_named_error(passport):
    from nfc_bridge.errors import MalformedResponse

    state = Terminal(passport[1]).to_state()
    del state["ops"]
    with pytest.raises(MalformedResponse):
        Terminal.from_state(state)
    with pytest.raises(MalformedResponse):
        Terminal.from_state({"v": 99})


@pytest.mark.parametrize(
    "ops",
    [
        [["sm_read", "DG2", "0", 223]],
        [["format_disk"]],
        [["sm_sel"]],
        ["sel_app"],
        [["ga", 1, "zz", 1]],
    ],
)
def test_a_saved_state_with_a_forged_operation_is_refused(passport, ops):
    from nfc_bridge.errors import MalformedResponse

    state = Terminal(passport[1]).to_state()
    assert state["ops"][:2] == [["sel_ca"], ["read_ca"]], "operations are saved as plain lists"
    state["ops"] = ops
    with pytest.raises(MalformedResponse):
        Terminal.from_state(state)


def test_operations_are_typed_and_say_whether_they_are_protected():
    from nfc_bridge.ops import SecureRead, SelectApplet, op_from_json

    read = SecureRead("DG2", 0, 223)
    assert read.protected and not SelectApplet().protected
    assert op_from_json(read.to_json()) == read
    with pytest.raises(AttributeError):
        read.offset = 5  # frozen


def test_state_stays_small_while_reading(passport, make_chip):
    chip = make_chip(pace_param=13, extended_length=False)
    t = Terminal(passport[1])
    sizes = []
    while not t.done:
        t.feed(chip.transmit_batch(t.commands()))
        sizes.append(len(json.dumps(t.to_state())))
    # the state is the file bytes read so far (base64) plus a few hundred bytes
    assert max(sizes[:3]) < 4_000 and sizes[-1] < 40_000


def test_chip_without_ef_com_learns_dg15_from_the_sod(pki, aa_key, run):
    files, mrz = build_passport(pki, aa_key=aa_key, with_com=False)
    chip = SimulatedChip(files, mrz, aa_key=aa_key, sleep=None)
    t = run(Terminal(mrz, aa_challenge=CHALLENGE), chip)
    assert t.error is None
    assert "COM" not in t.result.files and "DG15" in t.result.files
    assert t.result.active_auth["status"] == "pass"


def test_a_finished_read_resumed_elsewhere_gives_the_same_result(passport, make_chip, run, trust):
    t = run(Terminal(passport[1], aa_challenge=CHALLENGE), make_chip())
    again = Terminal.from_state(json.loads(json.dumps(t.to_state())))
    assert again.done and again.error is None
    assert again.result.files == t.result.files
    assert again.result.active_auth == t.result.active_auth
    assert again.result.verify(trust)["passed"] is True
