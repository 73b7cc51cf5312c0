"""Desk reader transport: PC/SC through pyscard and pcscd.

An agency adviser lays the passport on a contactless desk reader; the server
(or the adviser's workstation) drives the chip through this transport. The same
code reads the simulator when it is plugged into vpcd (see ``vpcd.py``), which
is how the tests exercise the real PC/SC stack.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from nfc_bridge.errors import ChipRemoved, NfcError


class PcscUnavailable(NfcError):
    """pcscd is not running or cannot be reached."""

    code = "pcsc_unavailable"


class ReaderNotFound(NfcError):
    """No reader, or none whose name contains the requested substring."""

    code = "reader_not_found"


class NoChip(NfcError):
    """The reader is there but no passport lies on it."""

    code = "no_chip"


def _release(connection) -> None:
    """Free a pyscard connection now, whatever state pcscd is in.

    pyscard otherwise frees it in ``__del__``, which raises (an "unraisable"
    exception) when pcscd or the card is already gone.
    """
    for step in (connection.disconnect, connection.release):
        try:
            step()
        except Exception:  # the card or the daemon is gone: nothing left to free
            pass
    # Make the later __del__ a no-op even if release() failed half-way.
    inner = getattr(connection, "component", connection)  # unwrap pyscard's decorator
    inner.hcard = None
    inner.hcontext = None


def list_readers() -> list[str]:
    """Names of the readers pcscd knows about (``PcscUnavailable`` if none can be asked)."""
    from smartcard.Exceptions import ListReadersException
    from smartcard.pcsc.PCSCExceptions import EstablishContextException
    from smartcard.System import readers

    try:
        return [str(reader) for reader in readers()]
    except (EstablishContextException, ListReadersException) as exc:
        raise PcscUnavailable(f"cannot reach pcscd: {exc}") from exc


class PcscTransport:
    """``transmit_batch`` over one PC/SC reader.

    ``reader`` picks the first reader whose name contains that substring
    (case-insensitive); ``None`` takes the first reader. The card is connected
    lazily on the first batch, or explicitly with ``connect()``.
    """

    def __init__(self, reader: str | None = None) -> None:
        self.reader_filter = reader
        self.reader_name: str | None = None
        self._connection: Any = None  # a pyscard CardConnection once connected
        self._removed = False
        self.apdu_count = 0

    def _pick_reader(self):  # -> smartcard.reader.Reader
        from smartcard.Exceptions import ListReadersException
        from smartcard.pcsc.PCSCExceptions import EstablishContextException
        from smartcard.System import readers

        try:
            available = readers()
        except (EstablishContextException, ListReadersException) as exc:
            raise PcscUnavailable(f"cannot reach pcscd: {exc}") from exc
        wanted = (self.reader_filter or "").lower()
        for reader in available:
            if wanted in str(reader).lower():
                return reader
        names = ", ".join(str(reader) for reader in available) or "none"
        raise ReaderNotFound(f"no reader matching {self.reader_filter!r} (readers: {names})")

    def connect(self, timeout: float = 0.0) -> PcscTransport:
        """Open the card in the chosen reader.

        Waits up to ``timeout`` seconds for a card to be laid on the reader,
        then raises ``NoChip``.
        """
        from smartcard.Exceptions import CardConnectionException, SmartcardException

        deadline = time.monotonic() + timeout
        while True:
            reader = self._pick_reader()
            try:
                connection = reader.createConnection()
            except CardConnectionException as exc:
                raise PcscUnavailable(f"cannot reach pcscd: {exc}") from exc
            try:
                connection.connect()
            except SmartcardException as exc:  # NoCardException, CardConnectionException
                _release(connection)
                if time.monotonic() >= deadline:
                    raise NoChip(f"no card in {reader}: {exc}") from exc
                time.sleep(0.1)
                continue
            self.reader_name = str(reader)
            self._connection = connection
            self._removed = False
            return self

    @property
    def atr(self) -> bytes:
        """The ATR of the connected card."""
        if self._connection is None:
            self.connect()
        return bytes(self._connection.getATR())

    def transmit(self, apdu: bytes) -> bytes:
        """Send one APDU; ``ChipRemoved`` when the card stops answering."""
        from smartcard.Exceptions import SmartcardException

        if self._removed:
            # The chip's session keys died with it: a read must start again.
            raise ChipRemoved("the card left the reader earlier in this read")
        if self._connection is None:
            self.connect()
        try:
            data, sw1, sw2 = self._connection.transmit(list(apdu))
        except SmartcardException as exc:
            self._drop()
            self._removed = True
            raise ChipRemoved(f"the card stopped answering: {exc}") from exc
        self.apdu_count += 1
        return bytes(data) + bytes([sw1, sw2])

    def transmit_batch(self, commands: Sequence[bytes]) -> list[bytes]:
        """Send ``commands`` in order and return the responses.

        If the card goes away mid-batch the responses received so far are
        returned: a short list is how the terminal learns the chip stopped
        answering (it records ``ChipRemoved`` and trusts nothing half-read).
        """
        responses: list[bytes] = []
        for command in commands:
            try:
                responses.append(self.transmit(command))
            except ChipRemoved:
                break
        return responses

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            _release(connection)

    def close(self) -> None:
        """Release the card."""
        self._drop()

    def __enter__(self) -> PcscTransport:
        return self.connect()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
