"""Old path of :mod:`nfc_bridge.sim.chip`, kept so existing imports work."""

from .sim.chip import *  # noqa: F403
