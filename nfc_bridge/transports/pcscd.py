"""Make sure a pcscd with the vpcd virtual reader is running (tests, demos).

pcsc-lite has one daemon per machine: its socket is ``/run/pcscd/pcscd.comm``
(compiled in; only clients honour ``PCSCLITE_CSOCK_NAME``). So either a pcscd is
already running and we use it, or we start one in the foreground as a child
process and stop it (and only it) when done. Starting one needs root, or write
access to ``/run/pcscd``.

The vpcd reader holds one card at a time, so two test runs on one machine would
lay their cards on each other's: ``PcscdProcess`` takes a machine-wide file lock
for as long as it is used.

A daemon counts as running only when the pid file names a live process that *is*
pcscd and its socket accepts a connection. The pid file alone is not enough:
``/run`` may live on disk (it does on the CI and development VMs) and a pcscd that
did not exit cleanly (a killed run, a machine image taken while the package's
daemon ran) leaves ``pcscd.pid`` and ``pcscd.comm`` behind; with ``pid_max`` at
32768 the test suite's own subprocesses soon reuse that pid, and a harness that
believed the pid file waited on a dead socket ("Service not available").

The daemon we start logs to ``LOG_PATH`` (or ``$NFC_PCSCD_LOG``); when it cannot
be reached, ``PcscUnavailable`` says why and quotes the end of that log.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
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
# Where the daemon we start writes its debug log (kept for the next failure message).
LOG_PATH = Path(tempfile.gettempdir()) / "nfc_bridge-pcscd.log"
LOG_TAIL_LINES = 25


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_pcscd(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "comm").read_text().strip() == "pcscd"
    except OSError:  # no such process (or it ended while we looked)
        return False


def pidfile_pid() -> int | None:
    """The pid written in pcscd's pid file, live or not."""
    try:
        # pcscd 1.9 ends its pid file with a NUL byte: b"1234\n\x00".
        return int(PCSCD_PIDFILE.read_bytes().replace(b"\0", b"").strip())
    except (OSError, ValueError):
        return None


def running_pcscd_pid() -> int | None:
    """The pid of a live pcscd according to its pid file, if any.

    A pid file naming a process that is not pcscd is stale (its pcscd died
    without cleaning up and the pid was handed out again): ``None``.
    """
    pid = pidfile_pid()
    return pid if pid is not None and _pid_alive(pid) and _is_pcscd(pid) else None


def socket_problem(path: Path = PCSCD_SOCKET) -> str | None:
    """Why a client cannot connect to pcscd's socket, or ``None`` when it can."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(2.0)
    try:
        probe.connect(str(path))
    except FileNotFoundError:
        return f"{path} does not exist"
    except OSError as exc:
        if exc.errno == errno.ECONNREFUSED:
            return f"{path} refuses connections (no daemon behind it: a stale socket)"
        return f"{path}: {exc.strerror or exc}"
    finally:
        probe.close()
    return None


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log file ("" if it cannot be read)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


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
        self.log_path = Path(os.environ.get("NFC_PCSCD_LOG") or LOG_PATH)
        self.notes: list[str] = []  # what the harness found and did, for error messages
        self._lock_file: IO[str] | None = None

    @property
    def started(self) -> bool:
        """Whether this object launched the daemon it manages."""
        return self.process is not None

    def start(self) -> PcscdProcess:
        """Reuse a running pcscd or launch one, then wait for the vpcd reader."""
        self._acquire_lock()
        try:
            if not self._usable_daemon():
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

    def _usable_daemon(self) -> bool:
        """Whether a pcscd we did not start is running and reachable (then reuse it)."""
        pid, live = pidfile_pid(), running_pcscd_pid()
        if pid is not None and live is None:
            self.notes.append(
                f"stale pid file: {PCSCD_PIDFILE} names pid {pid}, which is not pcscd"
            )
        problem = socket_problem()
        if live is not None and problem is None:
            self.notes.append(f"reusing the running pcscd (pid {live}), started outside the tests")
            return True
        if problem is None:  # systemd's pcscd.socket: connecting starts the daemon
            self.notes.append(
                f"reusing {PCSCD_SOCKET}, which accepts connections (socket activation)"
            )
            return True
        if live is not None:
            self.notes.append(f"pcscd pid {live} is running but {problem}")
        return False

    def _launch(self) -> None:
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not os.path.exists(binary):
            raise PcscUnavailable("pcscd is not installed (apt-get install pcscd)")
        # A pcscd whose files were removed still cleans /run/pcscd when it exits,
        # which would take our daemon's socket with it: let it finish first.
        deadline = time.monotonic() + DAEMON_EXIT_WAIT
        while live_pcscd_pids():
            if time.monotonic() > deadline:
                raise self.explain(f"a pcscd without socket is running: {live_pcscd_pids()}")
            time.sleep(0.5)
        # A pid file left by a killed daemon makes a new one refuse to start.
        for stale in (PCSCD_PIDFILE, PCSCD_SOCKET):
            try:
                stale.unlink()
            except FileNotFoundError:
                pass
        # The debug log is kept (overwritten at each launch) for the failure message.
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                # --auto-exit: should this process die unannounced, its pcscd follows
                # a minute later instead of lingering.
                [binary, "--foreground", "--debug", "--auto-exit"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our own group: a Ctrl-C in pytest is not its problem
            )
        self.notes.append(f"started pcscd pid {self.process.pid}, log in {self.log_path}")

    def explain(self, summary: str) -> PcscUnavailable:
        """A ``PcscUnavailable`` saying what failed, what we saw, and pcscd's log."""
        lines = [summary, *(f"  - {note}" for note in self.notes)]
        problem = socket_problem()
        lines.append(f"  - socket now: {problem or 'accepts connections'}")
        if self.started or self.log_path.exists():
            tail = log_tail(self.log_path)
            lines.append(f"  - last lines of {self.log_path}:")
            lines.extend(f"    | {line}" for line in tail.splitlines() or ["(empty)"])
        else:
            lines.append("  - the reused pcscd logs to syslog/journal, not to us")
        return PcscUnavailable("\n".join(lines))

    def wait_for_reader(self) -> str:
        """Wait until the daemon lists the wanted reader; returns its full name."""
        deadline = time.monotonic() + self.timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise self.explain(f"pcscd exited with code {self.process.returncode}")
            if self.process is None and running_pcscd_pid() is None and socket_problem():
                # The daemon we meant to reuse went away (one left behind by a killed
                # run ends itself with --auto-exit): start ours.
                self.notes.append("the reused pcscd went away")
                self._launch()
            try:
                for name in list_readers():
                    if self.reader in name:
                        return name
            except PcscUnavailable as exc:
                last_error = exc
            time.sleep(0.1)
        summary = f"no reader named {self.reader!r} after {self.timeout:.0f} s ({last_error})"
        if last_error is None and not self.started:
            summary += (
                "; the reused pcscd was probably started before /etc/reader.conf.d/vpcd was"
                " installed (pcscd reads it only at start): restart it"
            )
        raise self.explain(summary)

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
