"""ICAO 3-letter issuing state codes (MRZ) to ISO 3166 alpha-2 codes (X.509 ``C=``).

Only the codes this service meets; extend when a new country shows up.
"""

from __future__ import annotations

ALPHA3_TO_ALPHA2 = {
    "UTO": "UT",  # Utopia, ICAO's specimen state, used by test passports
    "D": "DE",
    "DEU": "DE",
    "MAR": "MA",
    "FRA": "FR",
    "BEL": "BE",
    "NLD": "NL",
    "ESP": "ES",
    "ITA": "IT",
    "PRT": "PT",
    "CHE": "CH",
    "LUX": "LU",
    "GBR": "GB",
    "IRL": "IE",
    "USA": "US",
    "CAN": "CA",
    "DZA": "DZ",
    "TUN": "TN",
    "SEN": "SN",
    "MRT": "MR",
    "EGY": "EG",
    "SAU": "SA",
    "ARE": "AE",
    "QAT": "QA",
    "TUR": "TR",
    "AUT": "AT",
    "SWE": "SE",
    "NOR": "NO",
    "DNK": "DK",
    "FIN": "FI",
    "POL": "PL",
    "GRC": "GR",
    "JPN": "JP",
    "CHN": "CN",
    "AUS": "AU",
    "BRA": "BR",
}


def alpha2(code: str) -> str | None:
    """The alpha-2 code for an MRZ issuing state ('<' filler removed), or None."""
    return ALPHA3_TO_ALPHA2.get(code.replace("<", "").upper())
