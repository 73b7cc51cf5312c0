"""The desk-reader path for real: pyscard -> pcscd -> vpcd driver -> our virtual card.

The harness starts pcscd itself when none is running (and stops only the one
it started), then plugs cards into the "Virtual PCD" reader over vpcd's socket.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from nfc_bridge import transports
from nfc_bridge.errors import BacFailed, ChipRemoved, PaceFailed
from nfc_bridge.reader import read_passport
from nfc_bridge.sim import demo_passport
from nfc_bridge.terminal import Terminal
from nfc_bridge.transports.pcsc import NoChip, PcscTransport, PcscUnavailable, ReaderNotFound
from nfc_bridge.transports.pcscd import PcscdProcess, running_pcscd_pid, wait_for_card
from nfc_bridge.transports.vpcd import DEFAULT_ATR, VpcdCard

pytestmark = pytest.mark.pcsc
REPO_ROOT = str(Path(transports.__file__).resolve().parents[2])


@pytest.fixture(scope="module")
def pcscd():
    with PcscdProcess() as daemon:
        yield daemon


@contextmanager
def card_on_reader(card):
    """Lay ``card`` on the virtual reader; yields (transport, virtual card)."""
    virtual = VpcdCard(card).start()
    assert virtual.wait_connected(10), f"vpcd did not accept the card: {virtual.error}"
    transport = PcscTransport("virtual pcd")
    arrived = None
    try:
        arrived = wait_for_card(present=True)
        transport.connect(timeout=10)
        yield transport, virtual
    finally:
        transport.close()
        virtual.stop()
        # The next test's card must not meet this one's ghost.
        wait_for_card(present=False, since=arrived)


class CountingCard:
    """Answers READ BINARY with Le zero bytes; can leave after some APDUs."""

    def __init__(self, leave_after: int | None = None) -> None:
        self.leave_after = leave_after
        self.count = 0
        self.virtual: VpcdCard | None = None

    def transmit(self, apdu: bytes) -> bytes:
        self.count += 1
        if self.leave_after is not None and self.count > self.leave_after:
            self.virtual.stop()  # the passport is pulled off the reader
            return b""
        if len(apdu) == 7 and apdu[4] == 0:  # extended Le
            return bytes(int.from_bytes(apdu[5:7], "big") or 65536) + b"\x90\x00"
        return bytes(apdu[4] or 256) + b"\x90\x00"


def test_a_card_on_the_virtual_reader_answers_through_pcscd(pcscd):
    with card_on_reader(CountingCard()) as (transport, _):
        assert "Virtual PCD" in transport.reader_name
        assert transport.atr == DEFAULT_ATR
        short, extended = transport.transmit_batch(
            [bytes.fromhex("00B0000010"), bytes.fromhex("00B00000000800")]
        )
        assert short == bytes(16) + b"\x90\x00"
        assert len(extended) == 0x800 + 2, "pcscd must carry extended-length reads"


def test_passport_pulled_off_mid_batch_returns_the_answers_so_far(pcscd):
    card = CountingCard(leave_after=2)
    with card_on_reader(card) as (transport, virtual):
        card.virtual = virtual
        responses = transport.transmit_batch([bytes.fromhex("00B0000004")] * 5)
        assert responses == [bytes(4) + b"\x90\x00"] * 2
        with pytest.raises(ChipRemoved) as caught:
            transport.transmit(bytes.fromhex("00B0000004"))
        assert caught.value.code == "chip_removed"


def test_desk_reader_reads_and_verifies_the_demo_passport(pcscd):
    chip, mrz, trust_store = demo_passport()
    with card_on_reader(chip) as (transport, virtual):
        terminal = Terminal(mrz, aa_challenge=bytes.fromhex("a1b2c3d4e5f60718"))
        result = read_passport(terminal, transport.transmit_batch, trust_store=trust_store)
        apdus = virtual.apdu_count
    assert result.trusted, result.passive_auth
    assert result.passive_auth["dsc_chain"]["status"] == "pass"
    assert set(result.passive_auth["dg_hashes"]) >= {"DG1", "DG2", "DG15"}
    assert result.active_auth["status"] == "pass"
    assert result.dg1["document_number"].rstrip("<") in mrz
    assert result.face_image and result.face_mime.startswith("image/")
    assert apdus == transport.apdu_count, "every APDU went through pcscd to the card"


def test_desk_reader_with_a_wrong_mrz_says_check_the_passport(pcscd):
    chip, _, _ = demo_passport()
    with card_on_reader(chip) as (transport, _):
        with pytest.raises((BacFailed, PaceFailed)) as caught:
            read_passport(Terminal("L898902C<369080619406236"), transport.transmit_batch)
    assert caught.value.code in ("bac_failed", "pace_failed")


def test_passport_pulled_off_during_a_full_read_is_chip_removed(pcscd):
    chip, mrz, _ = demo_passport()

    class Leaving:
        """The demo chip, pulled off the reader at the 12th APDU."""

        count = 0

        def transmit(self, apdu: bytes) -> bytes:
            self.count += 1
            if self.count == 12:
                virtual.stop()
                return b""
            return chip.transmit(apdu)

        def reset(self) -> None:
            chip.reset()

    with card_on_reader(Leaving()) as (transport, virtual):
        with pytest.raises(ChipRemoved) as caught:
            read_passport(Terminal(mrz), transport.transmit_batch)
    assert caught.value.code == "chip_removed"


def test_cli_reads_the_demo_passport_served_on_vpcd(pcscd, tmp_path):
    csca = tmp_path / "csca.pem"
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    command = [sys.executable, "-m", "nfc_bridge.transports.vpcd", "--csca-out", str(csca)]
    arrived = None
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as served:
        try:
            mrz = served.stdout.readline().split()[-1]
            # The card is served by a fresh interpreter: allow a loaded machine its start-up.
            arrived = wait_for_card(present=True, timeout=30)
            done = subprocess.run(
                [sys.executable, "-m", "nfc_bridge", "read", "--reader", "pcsc", "--mrz", mrz,
                 "--csca", str(csca), "--json"],
                capture_output=True, text=True, timeout=120, env=env,
            )  # fmt: skip
        finally:
            served.terminate()
    wait_for_card(present=False, since=arrived)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and report["trusted"]
    assert report["dg1"]["document_number"] == mrz[:9]


def test_unknown_reader_name_is_a_named_error(pcscd):
    with pytest.raises(ReaderNotFound) as caught:
        PcscTransport("no such reader").connect()
    assert caught.value.code == "reader_not_found"
    assert "Virtual PCD" in str(caught.value), "the message lists the readers present"


def test_empty_reader_is_a_named_error(pcscd):
    with pytest.raises(NoChip) as caught:
        PcscTransport("virtual pcd").connect(timeout=0.3)
    assert caught.value.code == "no_chip"


def test_a_second_user_of_the_virtual_reader_waits_its_turn(pcscd):
    assert running_pcscd_pid() is not None, "the pid file names the live daemon"
    with pytest.raises(PcscUnavailable, match="busy"):
        PcscdProcess(lock_timeout=0.3).start()


def test_no_pcscd_is_reported_as_pcsc_unavailable():
    # libpcsclite reads its socket path once per process: ask from a fresh one.
    script = (
        "from nfc_bridge.transports.pcsc import PcscTransport, PcscUnavailable\n"
        "try:\n"
        "    PcscTransport().connect()\n"
        "except PcscUnavailable as exc:\n"
        "    print(exc.code)\n"
    )
    env = dict(os.environ, PCSCLITE_CSOCK_NAME="/nonexistent/pcscd.comm")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_ROOT, env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "pcsc_unavailable", done.stderr
