"""Serve a card object as a virtual smart card to Debian's ``vsmartcard-vpcd``.

``vpcd`` is a pcscd reader driver (``/etc/reader.conf.d/vpcd``). With
``DEVICENAME /dev/null:0x8C7B`` it listens on TCP port 35963 (0x8C7B) and waits
for one virtual card (a "vicc") to connect as a client. Every message, both
ways, is a 2-byte big-endian length followed by the payload:

* a 1-byte payload from vpcd is a control message: 0 power off, 1 power on,
  2 reset (no answer expected) and 4 "give me your ATR" (answered with the ATR);
* any longer payload is a command APDU, answered with the response APDU.

pcscd asks for the ATR every few hundred milliseconds to check the card is still
there; closing the socket is how a card is "removed" from the reader.

Any object with ``transmit(apdu: bytes) -> bytes`` can be served; if it also has
``reset()``, that is called on power on/off and reset, like a real chip that
loses its session keys when the field drops.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from typing import Protocol

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 0x8C7B  # 35963, CHANNELID in Debian's /etc/reader.conf.d/vpcd

CTRL_OFF = 0
CTRL_ON = 1
CTRL_RESET = 2
CTRL_ATR = 4

# The card answers 6F00 ("no precise diagnosis") when the served object raises:
# a bug in the card must look like a sick chip to the reader, not kill the link.
SW_NO_DIAGNOSIS = b"\x6f\x00"


class Card(Protocol):
    """What vpcd needs from a card: one APDU in, one response APDU out."""

    def transmit(self, apdu: bytes) -> bytes: ...


def make_atr(historical: bytes) -> bytes:
    """Build a contactless-style ATR (PC/SC part 3) around ``historical`` bytes.

    ``3B 8n 80 01 <historical bytes> TCK``: T=0 then T=1 indicated, so a check
    byte is mandatory; it is the XOR of every byte from T0 to the last
    historical byte.
    """
    if len(historical) > 15:
        raise ValueError("an ATR carries at most 15 historical bytes")
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes([tck])


# Historical bytes of a generic ISO 14443-4 eMRTD ("compact TLV" category 0x80).
DEFAULT_ATR = make_atr(bytes.fromhex("8031806573c84013009000"))


def handle_message(card: Card, payload: bytes, atr: bytes = DEFAULT_ATR) -> bytes | None:
    """Answer one vpcd message: the reply payload, or ``None`` when none is due.

    Kept free of sockets so the protocol can be tested on its own.
    """
    if len(payload) == 1:
        control = payload[0]
        if control == CTRL_ATR:
            return atr
        if control in (CTRL_OFF, CTRL_ON, CTRL_RESET):
            reset = getattr(card, "reset", None)
            if callable(reset):
                reset()
            return None
        log.warning("vpcd: unknown control byte %#04x ignored", control)
        return None
    if not payload:
        return None
    try:
        return bytes(card.transmit(bytes(payload)))
    except Exception:  # a card bug must not tear the virtual reader down
        log.exception("vpcd: the served card raised; answering 6F00")
        return SW_NO_DIAGNOSIS


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _ack_now(sock: socket.socket) -> None:
    # Without an immediate ACK every APDU waits ~40 ms: vpcd's frames meet
    # Linux's delayed ACK. Measured: 43 ms per APDU before, 0.1 ms after.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


def _send_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)


class VpcdCard:
    """A virtual card plugged into the vpcd reader for as long as it runs.

    ``start()`` connects in a background thread (retrying while pcscd is still
    loading the driver) and serves messages until ``stop()``, which looks like
    the card being pulled out of the reader.
    """

    def __init__(
        self,
        card: Card,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        atr: bytes = DEFAULT_ATR,
        connect_timeout: float = 15.0,
    ) -> None:
        self.card = card
        self.host = host
        self.port = port
        self.atr = atr
        self.connect_timeout = connect_timeout
        self.apdu_count = 0
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> VpcdCard:
        """Connect to vpcd and serve in a daemon thread; returns ``self``."""
        self._thread = threading.Thread(target=self._run, name="vpcd-card", daemon=True)
        self._thread.start()
        return self

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until the socket to vpcd is open (``False`` on timeout)."""
        return self._connected.wait(self.connect_timeout if timeout is None else timeout)

    @property
    def connected(self) -> bool:
        """Whether the card is currently plugged into the virtual reader."""
        return self._connected.is_set() and not self._stop.is_set()

    def stop(self) -> None:
        """Unplug the card: close the socket and wait for the thread to end."""
        self._stop.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __enter__(self) -> VpcdCard:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Connect and serve in the calling thread until the socket closes."""
        self._run()
        if self.error is not None:
            raise self.error

    def _connect(self) -> socket.socket:
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                return socket.create_connection((self.host, self.port), timeout=2)
            except OSError:
                # pcscd opens the port only once it has loaded the driver.
                if self._stop.is_set() or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _run(self) -> None:
        try:
            sock = self._connect()
        except OSError as exc:
            self.error = exc
            return
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._connected.set()
        try:
            self._serve(sock)
        except OSError as exc:
            if not self._stop.is_set():
                self.error = exc
        finally:
            self._connected.clear()
            sock.close()

    def _serve(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            header = _recv_exact(sock, 2)
            if header is None:
                return
            (length,) = struct.unpack(">H", header)
            payload = _recv_exact(sock, length) if length else b""
            if payload is None:
                return
            _ack_now(sock)
            if len(payload) > 1:
                self.apdu_count += 1
            reply = handle_message(self.card, payload, self.atr)
            if reply is not None:
                _send_frame(sock, reply)


def main(argv: list[str] | None = None) -> int:
    """``python -m nfc_bridge.transports.vpcd``: lay the demo passport on vpcd's reader."""
    import argparse

    from nfc_bridge.sim import demo_passport

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--csca-out", help="write the demo CSCA (PEM) here, for --csca")
    args = parser.parse_args(argv)
    chip, mrz, trust_store = demo_passport()
    if args.csca_out:
        from cryptography.hazmat.primitives.serialization import Encoding

        with open(args.csca_out, "wb") as out:
            out.write(b"".join(cert.public_bytes(Encoding.PEM) for cert in trust_store.certs))
    print(f"demo passport on vpcd {args.host}:{args.port}, MRZ information {mrz}", flush=True)
    card = VpcdCard(chip, host=args.host, port=args.port)
    try:
        card.serve_forever()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"cannot reach vpcd (is pcscd running with vsmartcard-vpcd?): {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
