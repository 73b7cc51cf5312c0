"""Old path of :mod:`nfc_bridge.sim.pki`, kept so existing imports work."""

from .sim.pki import *  # noqa: F403
