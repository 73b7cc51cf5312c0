"""The ICAO 9303 MRZ formats: where each field sits, and the ``mrz`` checker for each.

Positions are ``(line, start, end)`` slices. The kinds tell the OCR clean-up which
characters a position may hold:

- ``alpha``: letters and ``<`` (type, country codes)
- ``names``: the name field (letters and ``<``, cleaned of filler misreads)
- ``digits``: dates (digits only)
- ``check``: a check digit (a digit, or ``<`` for an empty optional field)
- ``alnum``: document number and optional data (letters, digits and ``<``); the
  check digit decides between look-alikes such as ``0``/``O``
- ``sex``: ``M``, ``F``, ``X`` or ``<``
"""

from __future__ import annotations

from dataclasses import dataclass

from mrz.checker.mrva import MRVACodeChecker
from mrz.checker.mrvb import MRVBCodeChecker
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker


@dataclass(frozen=True)
class Field:
    """One field of an MRZ format."""

    name: str
    line: int
    start: int
    end: int
    kind: str
    check: str | None = None  # the name of the check-digit field that protects it


@dataclass(frozen=True)
class Layout:
    """One MRZ format (TD1, TD2, TD3, MRV-A, MRV-B)."""

    name: str
    lines: int
    width: int
    fields: tuple[Field, ...]
    checker: type

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        return next(f for f in self.fields if f.name == name)

    @property
    def name_line(self) -> int:
        """The line holding the holder's names."""
        return self.field("names").line


def _f(name: str, line: int, start: int, end: int, kind: str, check: str | None = None) -> Field:
    return Field(name, line, start, end, kind, check)


_HEAD_WIDE = (
    _f("document_type", 0, 0, 2, "alpha"),
    _f("issuing_country", 0, 2, 5, "alpha"),
    _f("names", 0, 5, 44, "names"),
)
_HEAD_NARROW = (
    _f("document_type", 0, 0, 2, "alpha"),
    _f("issuing_country", 0, 2, 5, "alpha"),
    _f("names", 0, 5, 36, "names"),
)
# Line 2 of TD2, TD3 and visas up to the expiry date's check digit.
_DATA_COMMON = (
    _f("document_number", 1, 0, 9, "alnum", "document_number_check"),
    _f("document_number_check", 1, 9, 10, "check"),
    _f("nationality", 1, 10, 13, "alpha"),
    _f("birth_date", 1, 13, 19, "digits", "birth_date_check"),
    _f("birth_date_check", 1, 19, 20, "check"),
    _f("sex", 1, 20, 21, "sex"),
    _f("expiry_date", 1, 21, 27, "digits", "expiry_date_check"),
    _f("expiry_date_check", 1, 27, 28, "check"),
)

TD3 = Layout(
    "TD3",
    2,
    44,
    _HEAD_WIDE
    + _DATA_COMMON
    + (
        _f("optional_data", 1, 28, 42, "alnum", "optional_data_check"),
        _f("optional_data_check", 1, 42, 43, "check"),
        _f("final_check", 1, 43, 44, "check"),
    ),
    TD3CodeChecker,
)
TD2 = Layout(
    "TD2",
    2,
    36,
    _HEAD_NARROW
    + _DATA_COMMON
    + (
        _f("optional_data", 1, 28, 35, "alnum"),
        _f("final_check", 1, 35, 36, "check"),
    ),
    TD2CodeChecker,
)
MRVA = Layout(
    "MRVA",
    2,
    44,
    _HEAD_WIDE + _DATA_COMMON + (_f("optional_data", 1, 28, 44, "alnum"),),
    MRVACodeChecker,
)
MRVB = Layout(
    "MRVB",
    2,
    36,
    _HEAD_NARROW + _DATA_COMMON + (_f("optional_data", 1, 28, 36, "alnum"),),
    MRVBCodeChecker,
)
TD1 = Layout(
    "TD1",
    3,
    30,
    (
        _f("document_type", 0, 0, 2, "alpha"),
        _f("issuing_country", 0, 2, 5, "alpha"),
        _f("document_number", 0, 5, 14, "alnum", "document_number_check"),
        _f("document_number_check", 0, 14, 15, "check"),
        _f("optional_data", 0, 15, 30, "alnum"),
        _f("birth_date", 1, 0, 6, "digits", "birth_date_check"),
        _f("birth_date_check", 1, 6, 7, "check"),
        _f("sex", 1, 7, 8, "sex"),
        _f("expiry_date", 1, 8, 14, "digits", "expiry_date_check"),
        _f("expiry_date_check", 1, 14, 15, "check"),
        _f("nationality", 1, 15, 18, "alpha"),
        _f("optional_data_2", 1, 18, 29, "alnum"),
        _f("final_check", 1, 29, 30, "check"),
        _f("names", 2, 0, 30, "names"),
    ),
    TD1CodeChecker,
)

LAYOUTS = (TD3, TD1, TD2, MRVA, MRVB)


def guess_layouts(lines: list[str]) -> list[Layout]:
    """The formats a block of OCR'd lines may be, most likely first.

    Decided by the number of lines, their length (OCR may add or drop a
    character or two) and the first letter (``V`` for visas).
    """
    if not lines:
        return []
    first = lines[0][:1]
    mean = sum(len(line) for line in lines) / len(lines)
    if len(lines) >= 3:
        return [TD1] if abs(mean - 30) <= 4 else []
    if len(lines) != 2:
        return []
    if abs(mean - 44) <= 4:
        return [MRVA, TD3] if first == "V" else [TD3, MRVA]
    if abs(mean - 36) <= 4:
        return [MRVB, TD2] if first == "V" else [TD2, MRVB]
    return []
