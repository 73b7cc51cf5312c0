"""The pcscd harness itself: reuse a running daemon, survive it going away, leave nothing."""

from __future__ import annotations

import pytest

from nfc_bridge.transports.pcscd import PcscdProcess, running_pcscd_pid

pytestmark = pytest.mark.pcsc


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
