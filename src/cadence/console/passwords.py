"""Password hashing with argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)


@lru_cache(maxsize=1)
def decoy_hash() -> str:
    """A hash to verify against when the email is unknown, so both cases take as long."""
    return hash_password("cadence-decoy-password")


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"must have at least {MIN_LENGTH} characters"
    if len(password) > 1024:
        return "must have at most 1024 characters"
    return None
