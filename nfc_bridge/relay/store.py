"""Where relay sessions live between requests: the ``Store`` protocol and a memory store.

The web app plugs in Redis (``webapp/services/nfc_relay.py``); tests, demos and
one-process runs use :class:`MemoryStore`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Store(Protocol):
    """Where sessions live between requests (memory, Redis, a DB table)."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl: float) -> None: ...

    def delete(self, key: str) -> None: ...

    # Optional: ``lock(key)`` returning a context manager that serialises the
    # requests of one session across processes (e.g. a Redis lock). Without it
    # RelayService serialises them within its own process only.


class MemoryStore:
    """A process-local ``Store`` with expiry, for tests, demos and one-process runs."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._session_locks = [threading.Lock() for _ in range(64)]

    def lock(self, key: str) -> threading.Lock:
        """A lock for ``key`` (striped: unrelated keys may share one, harmlessly)."""
        return self._session_locks[hash(key) % len(self._session_locks)]

    def get(self, key: str) -> str | None:
        """The value, or ``None`` if absent or expired."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= self._clock():
                del self._items[key]
                return None
            return item[1]

    def set(self, key: str, value: str, ttl: float) -> None:
        """Store ``value`` for ``ttl`` seconds."""
        with self._lock:
            self._items[key] = (self._clock() + ttl, value)

    def delete(self, key: str) -> None:
        """Forget ``key`` (no error if absent)."""
        with self._lock:
            self._items.pop(key, None)
