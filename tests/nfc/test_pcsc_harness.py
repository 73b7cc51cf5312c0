"""The pcscd harness itself: reuse a running daemon, survive it going away, leave nothing."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest

from nfc_bridge.transports.pcsc import PcscUnavailable
from nfc_bridge.transports.pcscd import (
    PCSCD_DIR,
    PCSCD_PIDFILE,
    PCSCD_SOCKET,
    PcscdProcess,
    pidfile_pid,
    running_pcscd_pid,
)

pytestmark = pytest.mark.pcsc


@pytest.fixture(autouse=True)
def no_outside_pcscd():
    """These tests start and kill daemons: a pcscd already running (the system's, or
    one left by another run) is stopped first; the harness starts its own again for
    any later test that needs a reader."""
    pid = running_pcscd_pid()
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while running_pcscd_pid() is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    if running_pcscd_pid() is not None:
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
    assert running_pcscd_pid() is None, f"pcscd (pid {pid}) would not stop"


def test_a_daemon_left_by_a_killed_run_is_reused_then_replaced_when_it_exits():
    # A run that was killed leaves its pcscd behind (we keep its handle to end it).
    left_behind = PcscdProcess().start()
    assert left_behind.started
    orphan, left_behind.process = left_behind.process, None
    left_behind.stop()  # the killed run's lock is gone with it
    reuser = PcscdProcess()
    try:
        reuser.start()
        assert not reuser.started, "a running pcscd is reused, not fought with"
        orphan.terminate()  # the orphan's --auto-exit fires
        orphan.wait(timeout=10)
        assert running_pcscd_pid() is None
        assert "Virtual PCD" in reuser.wait_for_reader()
        assert reuser.started, "we started our own when the reused one went away"
        ours = reuser.process.pid
        assert running_pcscd_pid() == ours
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait(timeout=10)
        reuser.stop()
    assert running_pcscd_pid() is None, "nothing left behind"


@contextmanager
def stale_pcscd_files():
    """What a pcscd that did not exit cleanly leaves in /run/pcscd once its pid is reused.

    ``/run`` is on disk on our VMs and ``pid_max`` is 32768: the pid file of a
    daemon killed earlier (or caught in a machine image) soon names one of the
    suite's own processes, and its socket file has nobody behind it.
    """
    other = subprocess.Popen(["sleep", "120"])  # the process that got the old pid
    PCSCD_DIR.mkdir(exist_ok=True)
    PCSCD_PIDFILE.write_bytes(f"{other.pid}\n".encode() + b"\0")
    PCSCD_SOCKET.unlink(missing_ok=True)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(PCSCD_SOCKET))
    dead.close()  # the file stays, nobody listens
    try:
        yield other.pid
    finally:
        if pidfile_pid() == other.pid:  # the harness did not clean up: we do
            PCSCD_PIDFILE.unlink(missing_ok=True)
            PCSCD_SOCKET.unlink(missing_ok=True)
        other.kill()
        other.wait(timeout=10)


def test_a_stale_pid_file_naming_another_process_does_not_pass_for_a_running_pcscd():
    with stale_pcscd_files() as reused_pid:
        with PcscdProcess() as daemon:
            assert daemon.started, "a pid file naming a `sleep` is not a running pcscd"
            assert daemon.process.pid != reused_pid
            assert "Virtual PCD" in daemon.wait_for_reader()
    assert running_pcscd_pid() is None, "nothing left behind"


def test_when_the_reader_never_comes_the_error_says_why_and_shows_the_pcscd_log():
    with stale_pcscd_files() as reused_pid:
        with pytest.raises(PcscUnavailable) as failure:
            PcscdProcess(reader="No Such Reader", timeout=2).start()
    message = str(failure.value)
    assert "no reader named 'No Such Reader' after 2 s" in message
    assert f"names pid {reused_pid}, which is not pcscd" in message
    assert "last lines of" in message
    assert re.search(r"\| \d{8} \w+\.[cl]:\d+:", message), "pcscd's own log lines are quoted"
    assert running_pcscd_pid() is None, "the daemon we started is stopped"
