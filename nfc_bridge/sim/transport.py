"""Local transport over a software chip, with an optional simulated network.

``transmit_batch`` costs one network round trip (``rtt`` seconds) however many
APDUs the batch holds, which is exactly what a phone relay costs: the benchmark
uses it to compare a naive one-APDU-per-round-trip relay with the pipelined one.
``remove_after`` makes the chip "leave the field" after that many APDUs, to
test a passport pulled away mid-read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol


class Chip(Protocol):
    """The card side: one command APDU in, one response APDU out."""

    def transmit(self, apdu: bytes) -> bytes: ...


class SimulatorTransport:
    """``transmit_batch`` straight into a ``SimulatedChip`` (or any ``Chip``)."""

    def __init__(
        self,
        chip: Chip,
        *,
        rtt: float = 0.0,
        remove_after: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.chip = chip
        self.rtt = rtt
        self.remove_after = remove_after
        self.sleep = sleep
        self.round_trips = 0
        self.apdu_count = 0

    @property
    def removed(self) -> bool:
        """Whether the simulated chip has left the field."""
        return self.remove_after is not None and self.apdu_count >= self.remove_after

    def transmit(self, apdu: bytes) -> bytes:
        """One APDU, no network cost (the local, desk-reader-like path)."""
        self.apdu_count += 1
        return bytes(self.chip.transmit(bytes(apdu)))

    def transmit_batch(self, commands: Sequence[bytes]) -> list[bytes]:
        """Send a batch in one simulated round trip; short list if the chip left."""
        self.round_trips += 1
        if self.rtt:
            self.sleep(self.rtt)
        responses: list[bytes] = []
        for command in commands:
            if self.removed:
                break
            responses.append(self.transmit(command))
        return responses
