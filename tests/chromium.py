"""Debian's Chromium through Playwright: one driver for the whole test session.

Playwright's sync API cannot be started twice in one thread while the first is alive
(« Sync API inside the asyncio loop »), so every test that drives Chromium, in any
folder, uses the session fixtures ``playwright`` and ``browser`` of tests/conftest.py.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
