"""MRZ reader: the machine-readable zone of a passport or ID card from a photo.

passporteye finds the zone, tesseract reads it (legacy engine on OCR-B), the
``mrz`` package checks the digits and splits the fields; this package adds what
photos of real pages need: look-alike characters resolved by position and
check digit, names cleaned of filler misreads, a vote between OCR passes,
turned and tilted pages, and a reason for every refusal. No Flask, so tests,
the RQ job and the CLI call it alike. The stable API:

- :func:`read` (picture bytes or path) -> :class:`MrzResult`
- :class:`MrzResult`: ``valid``, ``lines`` (as printed, with ``<``), ``fields``
  (document_type, issuing_country, surname, given_names, document_number,
  nationality, birth_date, sex, expiry_date, optional_data, format), ``reason``
  (one of :data:`REASONS`), ``seconds``; ``to_dict()`` for JSON
- reason codes: ``not_an_image``, ``no_mrz``, ``unreadable``, ``check_digits``,
  ``blur``, ``glare``
- :func:`warm_up`: import the heavy libraries before a worker forks
- :class:`OcrUnavailable`: tesseract missing or broken (infrastructure, not the picture)

Formats: TD3 (passports), TD1 and TD2 (ID cards), MRV-A and MRV-B (visas).
"""

from mrz_reader.ocr import OcrUnavailable
from mrz_reader.reader import read, warm_up
from mrz_reader.result import REASONS, MrzResult

__all__ = ["REASONS", "MrzResult", "OcrUnavailable", "read", "warm_up"]
