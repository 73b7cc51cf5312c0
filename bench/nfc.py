"""Benchmark: reading a passport chip locally, through a naive relay, through the pipelined one.

Scenario: BAC + EF.COM + EF.SOD + DG1 + a ~20 KB DG2 + DG15 + active authentication,
against the simulator with 15 ms of chip time per APDU behind a 100 ms network
round trip. Chip and network time run on a virtual clock (no sleeping); the
server's own work (the terminal's crypto and parsing) is measured for real and
added. Run: ``.venv/bin/python bench/nfc.py``; ``--real`` also replays the BAC
short-APDU read with real sleeps (about 20 s) to check the virtual clock.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

# The repository, not bench/, first: bench/mrz.py must not shadow the `mrz` package.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from nfc_bridge.sim import demo_passport  # noqa: E402
from nfc_bridge.terminal import Terminal  # noqa: E402

CHIP_S = 0.015  # per APDU
RTT_S = 0.100  # per network round trip
RUNS = 5


def one_read(**chip_options) -> tuple[int, int, float, int]:
    """(round trips, APDUs, server CPU seconds, DG2 bytes) of one pipelined read."""
    chip, mrz, trust = demo_passport(sleep=None, **chip_options)
    t = Terminal(mrz, aa_challenge=b"\x01\x02\x03\x04\x05\x06\x07\x08")
    cpu = 0.0
    while not t.done:
        start = time.perf_counter()
        commands = t.commands()
        cpu += time.perf_counter() - start
        responses = chip.transmit_batch(commands)
        start = time.perf_counter()
        t.feed(responses)
        cpu += time.perf_counter() - start
    if t.error:
        raise t.error
    start = time.perf_counter()
    result = t.result
    result.verify(trust)
    cpu += time.perf_counter() - start
    assert result.trusted and result.active_auth["status"] == "pass"
    return t.rounds, chip.apdu_count, cpu, len(result.files["DG2"])


def real_read(naive: bool, rtt: float) -> float:
    """Wall-clock seconds of one read with real chip and network sleeps."""
    chip, mrz, _ = demo_passport(
        pace_param=None, extended_length=False, delay=CHIP_S, sleep=time.sleep
    )
    t = Terminal(mrz, aa_challenge=b"\x01\x02\x03\x04\x05\x06\x07\x08")
    start = time.perf_counter()
    while not t.done:
        commands = t.commands()
        if naive:  # one network round trip per APDU
            responses = []
            for command in commands:
                time.sleep(rtt)
                responses += chip.transmit_batch([command])
        else:
            time.sleep(rtt)
            responses = chip.transmit_batch(commands)
        t.feed(responses)
    assert t.error is None and t.result.passive_auth["sod_signature"]["status"] == "pass"
    return time.perf_counter() - start


def main() -> None:
    chips: list[tuple[str, dict]] = [
        ("BAC, short APDUs (223 B reads)", {"pace_param": None, "extended_length": False}),
        ("BAC, extended length", {"pace_param": None}),
        ("PACE, short APDUs", {"extended_length": False}),
    ]
    print(
        f"chip {CHIP_S * 1000:.0f} ms/APDU, network {RTT_S * 1000:.0f} ms/round trip, "
        f"median of {RUNS} runs (server CPU measured, chip and network on a virtual clock)\n"
    )
    header = (
        f"{'chip':32} {'mode':18} {'round trips':>11} {'APDUs':>6} {'total s':>8} {'x local':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, options in chips:
        runs = [one_read(**options) for _ in range(RUNS)]
        rounds, apdus, _, dg2 = runs[0]
        cpu = statistics.median(r[2] for r in runs)
        local = apdus * CHIP_S + cpu
        rows = [
            ("local (no network)", 0, local),
            ("naive relay", apdus, apdus * (RTT_S + CHIP_S) + cpu),
            ("pipelined relay", rounds, rounds * RTT_S + apdus * CHIP_S + cpu),
        ]
        for mode, rt, total in rows:
            print(f"{label:32} {mode:18} {rt:>11} {apdus:>6} {total:>8.2f} {total / local:>8.2f}")
        print(f"{'':32} (DG2 {dg2} bytes, server CPU {cpu * 1000:.0f} ms)")

    if "--real" in sys.argv:
        local = real_read(False, 0.0)
        print(
            f"\nreal sleeps, BAC short APDUs: local {local:.2f} s, "
            f"pipelined relay {real_read(False, RTT_S):.2f} s, "
            f"naive relay {real_read(True, RTT_S):.2f} s"
        )


if __name__ == "__main__":
    main()
