"""The drive loop shared by every transport: ask the terminal, transmit, feed back."""

from __future__ import annotations

from collections.abc import Callable

from .errors import ChipRemoved, MalformedResponse
from .result import ReadResult
from .terminal import Terminal
from .truststore import TrustStore

MAX_ROUNDS = 200  # far above any real read (about 5-20); stops a runaway relay


def read_passport(
    terminal: Terminal,
    transmit_batch: Callable[[list[bytes]], list[bytes]],
    *,
    trust_store: TrustStore | None = None,
) -> ReadResult:
    """Run ``terminal`` to the end over ``transmit_batch`` and return the checked result.

    Raises the terminal's named error (``BacFailed``, ``ChipRemoved``...) on failure.
    """
    rounds = 0
    while not terminal.done:
        rounds += 1
        if rounds > MAX_ROUNDS:
            raise MalformedResponse("read did not finish")
        commands = terminal.commands()
        try:
            responses = list(transmit_batch(commands))
        except ChipRemoved:
            responses = []
        terminal.feed(responses)
    if terminal.error is not None:
        raise terminal.error
    result = terminal.result
    if result is None:  # done without error means a result; keep the type checker sure
        raise MalformedResponse("read ended without a result")
    if trust_store is not None:
        result.verify(trust_store)
    return result
