"""Make sure a pcscd with the vpcd virtual reader is running (tests, demos).

pcsc-lite has one daemon per machine: its socket is ``/run/pcscd/pcscd.comm``
(compiled in; only clients honour ``PCSCLITE_CSOCK_NAME``). So either a pcscd is
already running and we use it, or we start one in the foreground as a child
process and stop it (and only it) when done. Starting one needs root, or write
access to ``/run/pcscd``.

The vpcd reader holds one card at a time, so two test runs on one machine would
lay their cards on each other's: ``PcscdProcess`` takes a machine-wide file lock
for as long as it is used.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import IO

from nfc_bridge.transports.pcsc import PcscUnavailable, list_readers

PCSCD_DIR = Path("/run/pcscd")
PCSCD_SOCKET = PCSCD_DIR / "pcscd.comm"
PCSCD_PIDFILE = PCSCD_DIR / "pcscd.pid"
VPCD_READER = "Virtual PCD"
# A fixed place, whatever TMPDIR says: every run on the machine must meet here.
LOCK_PATH = (
    Path("/run/lock" if os.access("/run/lock", os.W_OK) else "/tmp") / "nfc_bridge-vpcd.lock"
)
DAEMON_EXIT_WAIT = 75.0  # a socket-less pcscd ends itself 60 s after its last client


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_pcscd_pid() -> int | None:
    """The pid of a live pcscd according to its pid file, if any."""
    try:
        # pcscd 1.9 ends its pid file with a NUL byte: b"1234\n\x00".
        pid = int(PCSCD_PIDFILE.read_bytes().replace(b"\0", b"").strip())
    except (OSError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def live_pcscd_pids() -> list[int]:
    """Every pcscd process on the machine, pid file or not."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "pcscd":
                    pids.append(int(entry.name))
            except OSError:  # it ended while we looked
                continue
    return pids


class PcscdProcess:
    """A pcscd for the duration of a ``with`` block.

    ``started`` tells whether we launched it (and therefore stop it on exit) or
    reused one that was already running.
    """

    def __init__(
        self, *, reader: str = VPCD_READER, timeout: float = 15.0, lock_timeout: float = 600.0
    ) -> None:
        self.reader = reader
        self.timeout = timeout
        self.lock_timeout = lock_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._lock_file: IO[str] | None = None

    @property
    def started(self) -> bool:
        """Whether this object launched the daemon it manages."""
        return self.process is not None

    def start(self) -> PcscdProcess:
        """Reuse a running pcscd or launch one, then wait for the vpcd reader."""
        self._acquire_lock()
        try:
            if running_pcscd_pid() is None:
                self._launch()
            self.wait_for_reader()
        except BaseException:
            self.stop()
            raise
        return self

    def _acquire_lock(self) -> None:
        """Wait for any other user of the virtual reader on this machine to finish."""
        lock_file = open(LOCK_PATH, "a")  # held (and locked) until stop()
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    lock_file.close()
                    raise PcscUnavailable(f"the virtual reader stayed busy ({LOCK_PATH})") from None
                time.sleep(0.2)
        self._lock_file = lock_file

    def _launch(self) -> None:
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not os.path.exists(binary):
            raise PcscUnavailable("pcscd is not installed (apt-get install pcscd)")
        # A pcscd whose files were removed still cleans /run/pcscd when it exits,
        # which would take our daemon's socket with it: let it finish first.
        deadline = time.monotonic() + DAEMON_EXIT_WAIT
        while live_pcscd_pids():
            if time.monotonic() > deadline:
                raise PcscUnavailable(f"a pcscd without socket is running: {live_pcscd_pids()}")
            time.sleep(0.5)
        # A pid file left by a killed daemon makes a new one refuse to start.
        for stale in (PCSCD_PIDFILE, PCSCD_SOCKET):
            try:
                stale.unlink()
            except FileNotFoundError:
                pass
        # NFC_PCSCD_LOG=/path/to/file keeps pcscd's debug log, to diagnose a test run.
        log_path = os.environ.get("NFC_PCSCD_LOG")
        with open(log_path or os.devnull, "ab") as log:
            self.process = subprocess.Popen(
                # --auto-exit: should this process die unannounced, its pcscd follows
                # a minute later instead of lingering.
                [binary, "--foreground", "--debug" if log_path else "--error", "--auto-exit"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our own group: a Ctrl-C in pytest is not its problem
            )

    def wait_for_reader(self) -> str:
        """Wait until the daemon lists the wanted reader; returns its full name."""
        deadline = time.monotonic() + self.timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise PcscUnavailable(f"pcscd exited with code {self.process.returncode}")
            if self.process is None and running_pcscd_pid() is None:
                # The daemon we meant to reuse went away (one left behind by a killed
                # run ends itself with --auto-exit): start ours.
                self._launch()
            try:
                for name in list_readers():
                    if self.reader in name:
                        return name
            except PcscUnavailable as exc:
                last_error = exc
            time.sleep(0.1)
        raise PcscUnavailable(
            f"no reader named {self.reader!r} after {self.timeout:.0f} s ({last_error})"
        )

    def stop(self) -> None:
        """Stop the daemon if we started it (a reused one is left alone); free the reader."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        lock_file, self._lock_file = self._lock_file, None
        if lock_file is not None:
            lock_file.close()  # releases the flock

    def __enter__(self) -> PcscdProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def reader_state(reader: str = VPCD_READER) -> tuple[int, bool]:
    """``(event count, card present)`` of the first reader matching ``reader``.

    The event count (high word of ``dwEventState``) grows each time pcscd's
    event handler notices a card arrive or leave; ``(-1, False)`` if no reader.
    """
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise PcscUnavailable(scard.SCardGetErrorMessage(hresult))
    try:
        hresult, names = scard.SCardListReaders(context, [])
        matching = [n for n in (names or []) if reader.lower() in n.lower()]
        if hresult != scard.SCARD_S_SUCCESS or not matching:
            return -1, False
        hresult, states = scard.SCardGetStatusChange(
            context, 0, [(matching[0], scard.SCARD_STATE_UNAWARE)]
        )
        if hresult != scard.SCARD_S_SUCCESS:
            return -1, False
        event_state = states[0][1]
        return event_state >> 16, bool(event_state & scard.SCARD_STATE_PRESENT)
    finally:
        scard.SCardReleaseContext(context)


def card_present(reader: str = VPCD_READER) -> bool:
    """Whether pcscd currently sees a card in the first reader matching ``reader``."""
    return reader_state(reader)[1]


def wait_for_card(
    reader: str = VPCD_READER,
    *,
    present: bool = True,
    since: int | None = None,
    timeout: float = 10.0,
) -> int:
    """Wait until pcscd has noticed a card arrive (or leave); returns the event count.

    pcscd polls the vpcd driver a few times a second; a client that connects
    before a swap was noticed gets "card reset/removed" on its first APDU. Pass
    the count returned when the card arrived as ``since`` when waiting for it
    to leave: a failed APDU already shows the reader empty to clients before
    the event handler has seen the removal, and if the next card plugs in
    before it does, pcscd never notices the swap at all.
    """
    deadline = time.monotonic() + timeout
    while True:
        count, is_present = reader_state(reader)
        if is_present == present and (since is None or count != since):
            return count
        if time.monotonic() > deadline:
            state = "present" if present else "absent"
            raise PcscUnavailable(f"card in {reader!r} not {state} after {timeout:.0f} s")
        time.sleep(0.05)
