"""The phone relay, server side: a scripted helper reads the demo passport.

The "helper" here is a loop of plain function calls doing what the Android app
does over HTTP: exchange(seq, responses) -> commands, forward them to the chip.
"""

from __future__ import annotations

import json

import pytest

from nfc_bridge.errors import (
    BacFailed,
    ChipRemoved,
    PaceFailed,
    ReplayDetected,
    SessionExpired,
)
from nfc_bridge.reader import read_passport
from nfc_bridge.relay import (
    KEY_PREFIX,
    MAX_BATCH,
    MAX_REQUEST_BYTES,
    BadPayload,
    MemoryStore,
    ReadCancelled,
    ReadNotFinished,
    RelayService,
    SessionClosed,
    SessionNotFound,
    http_status,
    intent_link,
    parse_exchange_body,
    play_helper,
)
from nfc_bridge.sim import demo_passport
from nfc_bridge.sim.transport import SimulatorTransport
from nfc_bridge.terminal import Terminal

AA_CHALLENGE = bytes.fromhex("0123456789abcdef")


class Clock:
    """A hand-driven clock for the service and the store."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def demo():
    return demo_passport()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(demo, clock):
    _, _, trust_store = demo
    return RelayService(MemoryStore(clock), trust_store, ttl=600, clock=clock)


def fresh_chip():
    chip, _, _ = demo_passport()
    return chip


def answer(chip, reply, *, keep: int | None = None) -> list[str]:
    """What the helper does with a reply: every command to the chip, answers in hex."""
    commands = reply["commands"][:keep] if keep is not None else reply["commands"]
    return [chip.transmit(bytes.fromhex(c)).hex() for c in commands]


def run_helper(service, token, chip, *, lose_at_round: int | None = None):
    """Drive a whole read; returns (last reply, every reply)."""
    seq, responses, replies = 0, [], []
    while True:
        reply = service.exchange(token, seq, responses)
        replies.append(reply)
        if reply["done"]:
            return reply, replies
        keep = 3 if lose_at_round == len(replies) else None  # the tag leaves mid-batch
        assert keep is None or keep < len(reply["commands"]), "pick a longer batch to cut"
        seq, responses = reply["seq"], answer(chip, reply, keep=keep)


def start(service, demo, **kwargs):
    _, mrz, _ = demo
    return service.start(mrz, aa_challenge=AA_CHALLENGE, **kwargs)["token"]


# -- the happy path -------------------------------------------------------------------


def test_helper_reads_the_demo_passport_in_a_few_round_trips(service, demo):
    _, mrz, _ = demo
    token = start(service, demo)
    last, replies = run_helper(service, token, fresh_chip())
    assert last["error"] is None and last["progress"] == 1.0
    assert len(replies) <= 8, f"{len(replies)} round trips"
    progress = [r["progress"] for r in replies]
    assert progress == sorted(progress)
    assert mrz not in json.dumps(replies), "the MRZ never goes to the phone"
    result = service.result(token)
    assert result is not None
    assert service.status(token) == {"status": "done", "progress": 1.0, "done": True, "error": None}


def test_a_consumed_result_is_discarded_with_the_face_image(service, demo):
    token = start(service, demo)
    run_helper(service, token, fresh_chip())
    assert service.result(token).face_image
    service.discard(token)
    assert service.store.get(KEY_PREFIX + token.split(".")[0]) is None
    with pytest.raises(SessionNotFound):
        service.result(token)


def test_the_server_can_play_the_helper_itself_in_demo_mode(service, demo):
    token = start(service, demo)
    last = play_helper(lambda body: service.exchange(token, **body), fresh_chip().transmit)
    assert last["done"] and last["error"] is None
    assert service.result(token).trusted


def test_the_read_resumes_in_another_process_from_the_store(demo, clock):
    _, mrz, trust_store = demo
    store = MemoryStore(clock)
    first = RelayService(store, trust_store, clock=clock)
    token = first.start(mrz, aa_challenge=AA_CHALLENGE)["token"]
    chip = fresh_chip()
    reply = first.exchange(token, 0, [])
    reply = first.exchange(token, reply["seq"], answer(chip, reply))
    # A second web worker, sharing only the store, carries on.
    second = RelayService(store, trust_store, clock=clock)
    seq = reply["seq"]
    while not reply["done"]:
        reply = second.exchange(token, seq, answer(chip, reply))
        seq = reply["seq"]
    assert reply["error"] is None
    assert second.result(token) is not None


def test_a_resent_request_gets_the_same_reply(service, demo):
    token = start(service, demo)
    chip = fresh_chip()
    first = service.exchange(token, 0, [])
    responses = answer(chip, first)
    reply = service.exchange(token, 1, responses)
    again = service.exchange(token, 1, [r.upper() for r in responses])  # reply was lost
    assert again == reply
    seq = reply["seq"]
    while not reply["done"]:
        reply = service.exchange(token, seq, answer(chip, reply))
        seq = reply["seq"]
    assert reply["error"] is None


def test_a_phone_without_extended_length_gets_reads_that_fit(service, demo):
    token = start(service, demo)
    chip = fresh_chip()
    reply = service.exchange(token, 0, [], max_apdu=261)
    longest_command, longest_response = 0, 0
    while not reply["done"]:
        responses = answer(chip, reply)
        longest_command = max([longest_command] + [len(c) // 2 for c in reply["commands"]])
        longest_response = max([longest_response] + [len(r) // 2 for r in responses])
        reply = service.exchange(token, reply["seq"], responses)
    assert reply["error"] is None
    assert longest_command <= 261 and longest_response <= 258
    assert service.result(token).trusted


def test_simultaneous_resends_are_answered_once(service, demo):
    import threading

    token, chip, first = mid_read(service, demo)
    responses = answer(chip, first)
    replies = []

    def resend():
        replies.append(service.exchange(token, 1, responses))

    threads = [threading.Thread(target=resend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 8
    assert all(reply == replies[0] for reply in replies), "one terminal step, one reply"


def test_tokens_are_unguessable_and_only_their_hash_is_stored(service, demo):
    tokens = {start(service, demo) for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        session_id, secret = token.split(".")
        assert len(secret) >= 43, "at least 256 bits of urlsafe base64"
        stored = service.store.get(KEY_PREFIX + session_id)
        assert secret not in stored


# -- chip-side failures end the session with a message for the pensioner ------------


def test_wrong_mrz_ends_with_check_your_passport(service, demo):
    wrong_mrz = "L898902C<369080619406236"  # a valid MRZ, not this passport's
    token = service.start(wrong_mrz)["token"]
    last, _ = run_helper(service, token, fresh_chip())
    assert last["done"] and last["error"]["code"] in ("bac_failed", "pace_failed")
    with pytest.raises((BacFailed, PaceFailed)) as caught:
        service.result(token)
    assert caught.value.code == last["error"]["code"]


def test_passport_pulled_away_mid_batch_ends_with_hold_still(service, demo):
    token = start(service, demo)
    last, _ = run_helper(service, token, fresh_chip(), lose_at_round=4)
    assert last["error"] == {"code": "chip_removed"}
    with pytest.raises(ChipRemoved):
        service.result(token)
    session_id = token.split(".")[0]
    assert json.loads(service.store.get(KEY_PREFIX + session_id))["terminal"] is None, (
        "nothing half-read is kept"
    )


def test_cancel_ends_the_read_and_keeps_a_finished_one(service, demo):
    token = start(service, demo)
    service.exchange(token, 0, [])
    status = service.cancel(token)
    assert status["status"] == "cancelled" and status["error"]["code"] == "relay_cancelled"
    assert service.cancel(token)["status"] == "cancelled"
    with pytest.raises(SessionClosed):
        service.exchange(token, 1, ["9000"])
    with pytest.raises(ReadCancelled):
        service.result(token)
    done = start(service, demo)
    run_helper(service, done, fresh_chip())
    assert service.cancel(done)["status"] == "done"
    assert service.result(done) is not None


def test_result_of_an_unfinished_read_is_refused(service, demo):
    token = start(service, demo)
    service.exchange(token, 0, [])
    with pytest.raises(ReadNotFinished):
        service.result(token)


# -- protocol abuse raises named errors and ends the session -------------------------


def mid_read(service, demo):
    """A session whose helper has answered the first batch; returns (token, reply)."""
    token = start(service, demo)
    chip = fresh_chip()
    first = service.exchange(token, 0, [])
    return token, chip, first


def assert_ended(service, token):
    assert service.status(token)["done"]
    with pytest.raises(SessionClosed):
        service.exchange(token, 99, [])


def test_same_seq_with_different_responses_is_a_replay(service, demo):
    token, chip, first = mid_read(service, demo)
    responses = answer(chip, first)
    service.exchange(token, 1, responses)
    forged = responses[:-1] + ["6a82"]
    with pytest.raises(ReplayDetected) as caught:
        service.exchange(token, 1, forged)
    assert http_status(caught.value) == 409
    assert_ended(service, token)


def test_an_old_seq_replayed_later_is_refused(service, demo):
    token, chip, first = mid_read(service, demo)
    second = service.exchange(token, 1, answer(chip, first))
    service.exchange(token, 2, answer(chip, second))
    with pytest.raises(ReplayDetected):
        service.exchange(token, 0, [])
    assert_ended(service, token)


def test_a_seq_from_the_future_is_refused(service, demo):
    token, chip, first = mid_read(service, demo)
    with pytest.raises(ReplayDetected):
        service.exchange(token, 5, answer(chip, first))
    assert service.status(token)["error"]["code"] == "replay_detected"


def test_expired_session_is_refused_and_ended(service, demo, clock):
    token, chip, first = mid_read(service, demo)
    clock.now += 601
    with pytest.raises(SessionExpired) as caught:
        service.exchange(token, 1, answer(chip, first))
    assert http_status(caught.value) == 410
    assert service.status(token)["status"] == "expired"
    clock.now += 10_000  # long gone from the store
    with pytest.raises(SessionNotFound):
        service.status(token)


def test_a_wrong_secret_is_unknown_and_leaves_the_session_alone(service, demo):
    token, chip, first = mid_read(service, demo)
    session_id, secret = token.split(".")
    wrong = f"{session_id}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    with pytest.raises(SessionNotFound) as caught:
        service.exchange(wrong, 1, answer(chip, first))
    assert http_status(caught.value) == 404
    assert service.status(token)["status"] == "active"


@pytest.mark.parametrize("token", [None, "", "nodot", "a.b.c", "x" * 300, 42, "unknown.secret"])
def test_malformed_or_unknown_tokens_are_unknown_sessions(service, token):
    with pytest.raises(SessionNotFound):
        service.exchange(token, 0, [])


@pytest.mark.parametrize(
    "seq, responses",
    [
        ("1", []),  # seq as text
        (True, []),  # a boolean is not a number here
        (-1, []),
        (10**9, []),
        (1, "9000"),  # not a list
        (1, [9000]),  # not strings
        (1, ["zz00"]),  # not hex
        (1, ["900"]),  # odd length
        (1, ["90 00"]),  # spaces that bytes.fromhex would forgive
        (1, ["kAA="]),  # base64 instead of hex
        (1, ["90"]),  # shorter than a status word
        (1, ["9000"] * (MAX_BATCH + 1)),  # more than any batch
        (1, ["00" * 70_000]),  # oversize
    ],
)
def test_garbage_from_the_helper_ends_the_session(service, demo, seq, responses):
    token, _, _ = mid_read(service, demo)
    with pytest.raises(BadPayload) as caught:
        service.exchange(token, seq, responses)
    assert caught.value.code == "relay_bad_payload" and http_status(caught.value) == 400
    assert_ended(service, token)


@pytest.mark.parametrize("max_apdu", ["65536", True, 10, 1 << 30, 2.5])
def test_a_nonsense_max_apdu_is_garbage(service, demo, max_apdu):
    token = start(service, demo)
    with pytest.raises(BadPayload):
        service.exchange(token, 0, [], max_apdu=max_apdu)
    assert_ended(service, token)


def test_more_responses_than_commands_is_garbage(service, demo):
    token, chip, first = mid_read(service, demo)
    with pytest.raises(BadPayload):
        service.exchange(token, 1, answer(chip, first) + ["9000"])
    assert_ended(service, token)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b'{"responses": []}',
        "eyJzZXEiOjB9",
        b"\xff\xfe",
        b'{"seq": 0, "responses": [' + b'"9000",' * (MAX_REQUEST_BYTES // 7) + b'"9000"]}',
    ],
)
def test_undecodable_bodies_are_bad_payloads(raw):
    with pytest.raises(BadPayload):
        parse_exchange_body(raw)


def test_a_good_body_decodes():
    assert parse_exchange_body(b'{"seq": 2, "responses": ["6982", "9000"]}') == {
        "seq": 2,
        "responses": ["6982", "9000"],
    }
    assert parse_exchange_body(b'{"seq": 0, "responses": [], "max_apdu": 261}') == {
        "seq": 0,
        "responses": [],
        "max_apdu": 261,
    }


# -- plumbing -------------------------------------------------------------------------


def test_intent_link_carries_session_return_and_fallback():
    link = intent_link(
        "https://vie.example.ma/nfc/sessions/abc.def",
        "https://vie.example.ma/enrol/passport",
        "https://vie.example.ma/aide/nfc",
    )
    assert link.startswith(
        "intent://relay?s=https%3A%2F%2Fvie.example.ma%2Fnfc%2Fsessions%2Fabc.def&"
    )
    assert "&r=https%3A%2F%2Fvie.example.ma%2Fenrol%2Fpassport#Intent;" in link
    assert ";scheme=dialvie-nfc;package=org.dialvie.nfc;" in link
    assert link.endswith(";S.browser_fallback_url=https%3A%2F%2Fvie.example.ma%2Faide%2Fnfc;end")


def test_simulated_network_costs_one_round_trip_per_batch(demo):
    chip, mrz, trust_store = demo_passport()
    slept = []
    transport = SimulatorTransport(chip, rtt=0.1, sleep=slept.append)
    result = read_passport(Terminal(mrz, aa_challenge=AA_CHALLENGE), transport.transmit_batch,
                           trust_store=trust_store)  # fmt: skip
    assert result.trusted
    assert slept == [0.1] * transport.round_trips
    assert transport.round_trips <= 8 < transport.apdu_count


def test_simulated_chip_leaving_the_field_is_chip_removed(demo):
    chip, mrz, _ = demo_passport()
    transport = SimulatorTransport(chip, remove_after=9)
    with pytest.raises(ChipRemoved):
        read_passport(Terminal(mrz), transport.transmit_batch)
    assert transport.removed and transport.apdu_count == 9


def test_memory_store_forgets_expired_values(clock):
    store = MemoryStore(clock)
    store.set("k", "v", 10)
    assert store.get("k") == "v"
    clock.now += 10
    assert store.get("k") is None
    store.set("k", "v", 10)
    store.delete("k")
    store.delete("k")
    assert store.get("k") is None
