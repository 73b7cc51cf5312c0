"""Password hashing (Argon2id) and temporary passwords."""

from __future__ import annotations

import os
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# The library's defaults (RFC 9106 low-memory profile) in production; the test
# suite sets DV_FAST_HASHING=1 because it hashes hundreds of demo passwords.
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if os.environ.get("DV_FAST_HASHING") == "1"
    else PasswordHasher()
)
# Verified when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def hash_password(password: str) -> str:
    """An Argon2id hash with the library's current parameters."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; constant work whether or not a hash exists."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def temporary_password(length: int = 10) -> str:
    """A random password without look-alike characters, to be read aloud or printed."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def password_problem(password: str) -> str | None:
    """A short reason when a new password is too weak, else None (message key)."""
    if len(password) < 8:
        return "too_short"
    if password.isdigit() or password.isalpha():
        return "letters_and_digits"
    return None
