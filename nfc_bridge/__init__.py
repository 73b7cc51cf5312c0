"""Read and verify ICAO 9303 biometric passport chips (eMRTD), independent of Flask.

The protocol lives in a sans-IO :class:`nfc_bridge.terminal.Terminal`; transports
(simulator, PC/SC, web relay) only move batches of APDUs.
"""
