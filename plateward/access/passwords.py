"""Password hashing (argon2id) and the rules a new password must meet.

A new password is at least 12 characters and must not be guessable: zxcvbn (Dropbox's
estimator, maintained as the ``zxcvbn`` package) scores it against its bundled lists of
breached passwords (the most common of 10 million leaked ones), English words, names and
keyboard patterns, with l33t and reversed spellings, and with this installation's own words
(the username, "sheriff", "plateward", ...) added. Score 3 of 4 ("safely unguessable: moderate
protection from an offline attack") is required; nothing is fetched at run time.

argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, 3 passes) cost about 50 ms a
check here, which is what makes a stolen hash expensive to guess and costs a person nothing at
login. Hashes record their parameters, so raising them later re-hashes on the next login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from plateward.errors import InvalidInput

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
MIN_SCORE = 3
LOCAL_WORDS = ("plateward", "sheriff", "deputy", "police", "alpr", "license", "plate", "county")
"""Words an attacker of this system tries first, penalised like dictionary words."""

_hasher = PasswordHasher()


def check_password_rules(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"password: at least {MIN_PASSWORD_CHARS} characters, please")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidInput(f"password: at most {MAX_PASSWORD_CHARS} characters")
    if username and username.lower() in password.lower():
        raise InvalidInput("password: must not contain the username")
    if len(set(password)) < 5:
        raise InvalidInput("password: uses too few different characters")
    estimate = zxcvbn(password, user_inputs=[username, *LOCAL_WORDS])
    if estimate["score"] >= MIN_SCORE:
        return
    if any(m.get("dictionary_name") == "passwords" for m in estimate["sequence"]):
        why = "it is built on a password from breached-password lists"
    else:
        why = estimate["feedback"]["warning"] or "it is easy to guess"
    tips = " ".join(estimate["feedback"]["suggestions"])
    raise InvalidInput(
        f"password: too easy to guess ({why.rstrip('.')}); {tips or 'use a few unrelated words'}"
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
