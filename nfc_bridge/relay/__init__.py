"""The web relay: a phone (or any helper) moves APDU batches between chip and server.

:mod:`.service` keeps each read's terminal between HTTP requests
(:class:`RelayService`); :mod:`.protocol` is the wire format both sides speak.
"""

from .service import *  # noqa: F403
from .service import __all__  # noqa: F401
