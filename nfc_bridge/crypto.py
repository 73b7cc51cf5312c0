"""Symmetric primitives of ICAO 9303 Part 11: 3DES/AES, retail MAC, CMAC, KDF.

Only thin wrappers around ``cryptography``; everything works on bytes.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from .errors import SecureMessagingError

DES3 = "3DES"
AES = "AES"

KDF_ENC = 1
KDF_MAC = 2
KDF_PI = 3  # PACE password key


def pad(data: bytes, block: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2 (0x80 then zeros)."""
    data = data + b"\x80"
    return data + b"\x00" * (-len(data) % block)


def unpad(data: bytes) -> bytes:
    """Remove method-2 padding; bad padding is a secure messaging error."""
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise SecureMessagingError("bad padding in decrypted data")
    return stripped[:-1]


def adjust_parity(key: bytes) -> bytes:
    """Set the DES odd-parity bit of every byte."""
    out = bytearray()
    for b in key:
        b &= 0xFE
        out.append(b | (bin(b).count("1") + 1) % 2)
    return bytes(out)


def kdf(seed: bytes, counter: int, cipher: str = DES3, key_bits: int = 128) -> bytes:
    """Key derivation function of 9303-11 §9.7.1 (SHA-1, or SHA-256 for AES-192/256)."""
    data = seed + counter.to_bytes(4, "big")
    if cipher == DES3:
        digest = hashlib.sha1(data).digest()
        return adjust_parity(digest[:16])
    if key_bits == 128:
        return hashlib.sha1(data).digest()[:16]
    return hashlib.sha256(data).digest()[: key_bits // 8]


def _des3(key: bytes):
    # 2-key 3DES is K1, K2, K1; spell it out as 24 bytes (16-byte keys are deprecated).
    return TripleDES(key + key[:8] if len(key) == 16 else key)


def des3_encrypt(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """2-key 3DES in CBC mode (zero IV by default), no padding."""
    enc = Cipher(_des3(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def des3_decrypt(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """Inverse of :func:`des3_encrypt`."""
    dec = Cipher(_des3(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def _des_single(key8: bytes, block: bytes, decrypt: bool = False) -> bytes:
    cipher = Cipher(TripleDES(key8 * 3), modes.ECB())
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(block) + ctx.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (DES CBC-MAC, final 3DES); ``data`` already padded."""
    if len(data) % 8:
        raise ValueError("retail MAC input must be padded to 8 bytes")
    ka, kb = key[:8], key[8:16]
    # Single-DES CBC over everything: its last block is the CBC-MAC chain value.
    enc = Cipher(TripleDES(ka * 3), modes.CBC(bytes(8))).encryptor()
    h = (enc.update(data) + enc.finalize())[-8:]
    h = _des_single(kb, h, decrypt=True)
    return _des_single(ka, h)


def aes_encrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    """AES in CBC mode (zero IV by default), no padding."""
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def aes_decrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    """Inverse of :func:`aes_encrypt`."""
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """AES-CMAC truncated to 8 bytes, as used by PACE tokens and AES secure messaging."""
    mac = CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()[:8]


def encrypt(cipher: str, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """CBC encryption with the secure messaging cipher ``cipher``."""
    if cipher == DES3:
        return des3_encrypt(key, data, iv or bytes(8))
    return aes_encrypt(key, data, iv or bytes(16))


def decrypt(cipher: str, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """CBC decryption with the secure messaging cipher ``cipher``."""
    if cipher == DES3:
        return des3_decrypt(key, data, iv or bytes(8))
    return aes_decrypt(key, data, iv or bytes(16))


def mac(cipher: str, key: bytes, padded: bytes) -> bytes:
    """Retail MAC (3DES) or 8-byte CMAC (AES) of already padded data."""
    return retail_mac(key, padded) if cipher == DES3 else aes_cmac(key, padded)


def block_size(cipher: str) -> int:
    """Cipher block size in bytes (8 or 16)."""
    return 8 if cipher == DES3 else 16
