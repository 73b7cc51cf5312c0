"""The vpcd socket protocol, with the test playing the vpcd driver's side.

The real driver (inside pcscd) is exercised by test_pcsc.py; here we check the
framing and control messages byte by byte, without any daemon.
"""

from __future__ import annotations

import socket
import struct

import pytest

from nfc_bridge.transports.vpcd import (
    CTRL_ATR,
    CTRL_OFF,
    CTRL_ON,
    CTRL_RESET,
    DEFAULT_ATR,
    VpcdCard,
    handle_message,
    make_atr,
)


class RecordingCard:
    """Answers every APDU with its own bytes reversed plus 9000."""

    def __init__(self) -> None:
        self.apdus: list[bytes] = []
        self.resets = 0

    def transmit(self, apdu: bytes) -> bytes:
        self.apdus.append(apdu)
        return apdu[::-1] + b"\x90\x00"

    def reset(self) -> None:
        self.resets += 1


class BrokenCard:
    def transmit(self, apdu: bytes) -> bytes:
        raise IndexError("a bug in the card")


def send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)


def receive(sock: socket.socket) -> bytes:
    header = sock.recv(2, socket.MSG_WAITALL)
    assert len(header) == 2, "the virtual card closed the connection"
    (length,) = struct.unpack(">H", header)
    return sock.recv(length, socket.MSG_WAITALL)


@pytest.fixture
def fake_vpcd():
    """A listening socket standing in for the vpcd driver; yields (server, port)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(10)
    yield server, server.getsockname()[1]
    server.close()


def plug(card, port: int, server: socket.socket) -> tuple[VpcdCard, socket.socket]:
    virtual = VpcdCard(card, port=port).start()
    link, _ = server.accept()
    link.settimeout(10)
    assert virtual.wait_connected(5)
    return virtual, link


def test_atr_is_well_formed_with_a_correct_check_byte():
    assert DEFAULT_ATR[0] == 0x3B
    historical_count = DEFAULT_ATR[1] & 0x0F
    assert len(DEFAULT_ATR) == 1 + 1 + 2 + historical_count + 1
    check = 0
    for byte in DEFAULT_ATR[1:]:
        check ^= byte
    assert check == 0, "TCK must make the XOR of T0..TCK zero"
    with pytest.raises(ValueError):
        make_atr(bytes(16))


def test_control_messages_follow_the_vpcd_protocol():
    card = RecordingCard()
    assert handle_message(card, bytes([CTRL_ATR])) == DEFAULT_ATR
    for control in (CTRL_ON, CTRL_OFF, CTRL_RESET):
        assert handle_message(card, bytes([control])) is None
    assert card.resets == 3
    assert handle_message(card, bytes([0x7F])) is None
    assert handle_message(card, b"") is None
    assert card.apdus == []


def test_card_reads_an_apdu_and_answers_it_over_the_socket(fake_vpcd):
    server, port = fake_vpcd
    card = RecordingCard()
    virtual, link = plug(card, port, server)
    try:
        send(link, bytes([CTRL_ON]))
        send(link, bytes([CTRL_ATR]))
        assert receive(link) == DEFAULT_ATR
        apdu = bytes.fromhex("00A4020C02011E")
        send(link, apdu)
        assert receive(link) == apdu[::-1] + b"\x90\x00"
        big = bytes(range(256)) * 10  # an extended-length command
        send(link, big)
        assert receive(link) == big[::-1] + b"\x90\x00"
        assert card.apdus == [apdu, big]
        assert card.resets == 1
        assert virtual.apdu_count == 2
    finally:
        virtual.stop()
        link.close()


def test_a_card_that_raises_answers_6f00_and_stays_plugged(fake_vpcd):
    server, port = fake_vpcd
    virtual, link = plug(BrokenCard(), port, server)
    try:
        send(link, bytes.fromhex("00B0000010"))
        assert receive(link) == b"\x6f\x00"
        send(link, bytes([CTRL_ATR]))
        assert receive(link) == DEFAULT_ATR
    finally:
        virtual.stop()
        link.close()


def test_stopping_the_card_closes_the_socket_like_a_removed_card(fake_vpcd):
    server, port = fake_vpcd
    virtual, link = plug(RecordingCard(), port, server)
    virtual.stop()
    assert link.recv(2) == b""
    assert not virtual.connected
    link.close()


def test_no_vpcd_listening_is_reported_not_hung():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    virtual = VpcdCard(RecordingCard(), port=free_port, connect_timeout=0.3)
    with pytest.raises(ConnectionRefusedError):
        virtual.serve_forever()
    assert not virtual.connected
