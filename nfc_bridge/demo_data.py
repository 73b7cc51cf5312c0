"""Old path of :mod:`nfc_bridge.sim.demo_data`, kept so existing imports work."""

from .sim.demo_data import *  # noqa: F403
