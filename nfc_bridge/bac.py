"""Basic Access Control (ICAO 9303-11 §4.3 and Appendix D)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from .crypto import (
    KDF_ENC,
    KDF_MAC,
    des3_decrypt,
    des3_encrypt,
    kdf,
    pad,
    retail_mac,
)
from .errors import BacFailed, InvalidMrz

_WEIGHTS = (7, 3, 1)


def check_digit(field: str) -> str:
    """ICAO 9303-3 check digit of an MRZ field ('<' counts as 0)."""
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            value = int(ch)
        elif "A" <= ch <= "Z":
            value = ord(ch) - 55
        elif ch == "<":
            value = 0
        else:
            raise InvalidMrz(f"invalid MRZ character {ch!r}")
        total += value * _WEIGHTS[i % 3]
    return str(total % 10)


@dataclass(frozen=True)
class MRZInfo:
    """The MRZ information that keys BAC and PACE: number, birth and expiry dates."""

    document_number: str
    birth_date: str  # YYMMDD
    expiry_date: str  # YYMMDD

    @classmethod
    def parse(cls, text: str) -> MRZInfo:
        """Parse ``"L898902C<369080619406236"``-style strings, checking each check digit.

        The string is: document number (at least 9 characters, '<'-padded) and its
        check digit, birth date YYMMDD + check digit, expiry date YYMMDD + check
        digit. Longer document numbers (9303 Part 11 Appendix D.1) are written in
        full before their check digit. A whole machine readable zone (TD1, TD2
        or TD3, with or without line breaks) is accepted too.
        """
        s = "".join(text.split()).upper()
        if len(s) in (72, 88, 90):  # a whole MRZ, not just the key fields
            return cls.from_mrz(s)
        if len(s) < 24:
            raise InvalidMrz("MRZ information is too short")
        head, tail = s[:-14], s[-14:]
        number, number_cd = head[:-1], head[-1]
        birth, birth_cd, expiry, expiry_cd = tail[0:6], tail[6], tail[7:13], tail[13]
        if check_digit(number) != number_cd:
            raise InvalidMrz("document number check digit mismatch")
        if not (birth.isdigit() and expiry.isdigit()):
            raise InvalidMrz("dates must be YYMMDD")
        if check_digit(birth) != birth_cd or check_digit(expiry) != expiry_cd:
            raise InvalidMrz("date check digit mismatch")
        return cls(number.rstrip("<"), birth, expiry)

    @classmethod
    def from_mrz(cls, mrz: str) -> MRZInfo:
        """The BAC/PACE key data of a whole MRZ (TD1 90, TD2 72 or TD3 88 characters)."""
        s = "".join(mrz.split()).upper()
        if len(s) == 90:  # TD1: number on line 1, dates on line 2
            number, cd, dates = s[5:14], s[14], s[30:45]
            if cd == "<":  # long number continues in the optional data
                rest = s[15:30].split("<", 1)[0]
                number, cd = number + rest[:-1], rest[-1:]
        elif len(s) in (72, 88):
            line2 = s[len(s) // 2 :]
            number, cd, dates = line2[0:9], line2[9], line2[13:28]
        else:
            raise InvalidMrz(f"an MRZ has 72, 88 or 90 characters, not {len(s)}")
        return cls.parse(number + cd + dates[0:7] + dates[8:15])

    def key_string(self) -> str:
        """The string hashed into the BAC/PACE key seed (with check digits)."""
        num = self.document_number.upper().ljust(9, "<")
        return (
            num
            + check_digit(num)
            + self.birth_date
            + check_digit(self.birth_date)
            + self.expiry_date
            + check_digit(self.expiry_date)
        )

    def __str__(self) -> str:
        return self.key_string()


def key_seed(mrz: MRZInfo) -> bytes:
    """K_seed: the first 16 bytes of SHA-1 of the MRZ information."""
    return hashlib.sha1(mrz.key_string().encode("ascii")).digest()[:16]


def bac_keys(mrz: MRZInfo) -> tuple[bytes, bytes]:
    """Document basic access keys (K_enc, K_mac)."""
    seed = key_seed(mrz)
    return kdf(seed, KDF_ENC), kdf(seed, KDF_MAC)


def external_authenticate_data(
    k_enc: bytes, k_mac: bytes, rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes
) -> bytes:
    """E_IFD || M_IFD, the data of the EXTERNAL AUTHENTICATE command."""
    e_ifd = des3_encrypt(k_enc, rnd_ifd + rnd_ic + k_ifd)
    return e_ifd + retail_mac(k_mac, pad(e_ifd))


def session_from_response(
    k_enc: bytes, k_mac: bytes, rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes, resp: bytes
) -> tuple[bytes, bytes, bytes]:
    """Check the chip's answer and return (KS_enc, KS_mac, SSC)."""
    if len(resp) != 40:
        raise BacFailed("mutual authentication response must be 40 bytes")
    e_ic, m_ic = resp[:32], resp[32:]
    if not hmac.compare_digest(retail_mac(k_mac, pad(e_ic)), m_ic):
        raise BacFailed("chip MAC is wrong")
    r = des3_decrypt(k_enc, e_ic)
    if r[:8] != rnd_ic or r[8:16] != rnd_ifd:
        raise BacFailed("chip did not return our challenge")
    k_ic = r[16:32]
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
    return kdf(seed, KDF_ENC), kdf(seed, KDF_MAC), rnd_ic[-4:] + rnd_ifd[-4:]
