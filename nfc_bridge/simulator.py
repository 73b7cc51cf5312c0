"""Old path of :mod:`nfc_bridge.sim.chip` and :mod:`.sim.passport`, kept so imports work."""

from .sim.chip import *  # noqa: F403
from .sim.passport import *  # noqa: F403
