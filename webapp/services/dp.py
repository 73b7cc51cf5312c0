"""DP numbers as people type them: one spelling for every lookup."""

from __future__ import annotations

import re

# Arabic-Indic and Eastern Arabic-Indic digits, as typed on an Arabic keyboard.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SEPARATORS = re.compile(r"[\s\u00a0\u202f.\-]+")


def normalise_dp(text: str | None) -> str:
    """« dp 100 004 », « DP-100004 », « 100004 » → « DP100004 »; anything else upper-cased.

    Only spaces and separators are dropped; a value that is not a DP number stays
    recognisably what was typed, so the "unknown number" answer still makes sense.
    """
    compact = _SEPARATORS.sub("", (text or "").translate(_DIGITS)).upper()
    if compact.isascii() and compact.isdigit():
        return "DP" + compact
    return compact
