"""Password hashing (argon2id) and the rules a new password must meet.

argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, 3 passes) cost about 50 ms a
check here, which is what makes a stolen hash expensive to guess and costs a person nothing at
login. Hashes record their parameters, so raising them later re-hashes on the next login.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from plateward.access.common_passwords import COMMON_PASSWORDS
from plateward.errors import InvalidInput

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256

_hasher = PasswordHasher()
_TRAILING = re.compile(r"[\d\W_]+$")
_TRAILING_PUNCTUATION = re.compile(r"[\W_]+$")


def check_password_rules(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"password: at least {MIN_PASSWORD_CHARS} characters, please")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidInput(f"password: at most {MAX_PASSWORD_CHARS} characters")
    lowered = password.lower()
    variants = {lowered, _TRAILING_PUNCTUATION.sub("", lowered), _TRAILING.sub("", lowered)}
    if variants & COMMON_PASSWORDS:
        raise InvalidInput("password: too common; choose one that is not in breach lists")
    if username and username.lower() in lowered:
        raise InvalidInput("password: must not contain the username")
    if len(set(password)) < 5:
        raise InvalidInput("password: uses too few different characters")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
