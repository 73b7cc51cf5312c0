"""The MRZ job: read the machine-readable zone of one scanned page in an RQ worker.

Enqueued by :func:`webapp.services.mrz_scan.submit` with the key of the parked
picture (never the picture itself). Returns :meth:`mrz_reader.MrzResult.to_dict`:
a picture without a valid MRZ is a result (``valid: false`` and a reason code),
not a job failure. The picture is deleted once read; a missing tesseract
(:class:`mrz_reader.OcrUnavailable`) propagates, RQ retries, and the parked
picture waits for the retry until it expires.
"""

from __future__ import annotations

from webapp.services import mrz_scan
from webapp.services.tasks import JobFailed


def read(scan_key: str) -> dict:
    """Read the parked picture ``scan_key``; the dict of ``flask mrz read --json``."""
    import mrz_reader

    image = mrz_scan.parked(scan_key)
    if image is None:
        raise JobFailed("scan_expired")
    result = mrz_reader.read(image)
    mrz_scan.forget(scan_key)
    return result.to_dict()
